"""The one-reading attacks of tests/test_attack_one_reading.py through the real relay, Dovecot
(LMTP in, IMAP out) and poll: do the bytes an attacker sends reach Mailflow as sent?

`test_hole_*` assert what Mailflow SHOULD do and fail on the change under review.
"""

from __future__ import annotations

import json
from email.message import EmailMessage

from click.testing import CliRunner

from mailflow.cli import cli
from mailflow.demo import dkim
from tests.support.letters import gmail_forward, pdf_letter

D = "probolinggokab.example"
KADIS, STAFF, MAILBOX = f"kadis@{D}", f"staff@{D}", f"surat@{D}"


def show(office) -> dict:
    out = CliRunner().invoke(cli, ["--config", str(office.config_path), "letter", "show", "1", "--json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def tagged_subject(office) -> str:
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    office.poll()
    office.mail.wait_for(KADIS, lambda m: "Mohon disposisi" in str(m["Subject"]))
    number, _, year = show(office)["agenda_number"].partition("/SM/")
    return f"Re: [SM {number}/{year}] surat"


def test_hole_bare_cr_staff_archives_the_heads_letter_through_dovecot(office):
    """Staff sends their own mail (From staff, signed by the office's server as it reads it) with
    a bare CR inside an X- header: Mailflow reads From kadis and "Arsipkan"."""
    subject = tagged_subject(office)
    raw = (
        f"To: {MAILBOX}\r\nSubject: {subject}\r\nMessage-ID: <attack-cr@{D}>\r\n"
        f"X-Catatan: -\rFrom: {KADIS}\rArsipkan\r\nFrom: {STAFF}\r\n\r\nSiap.\r\n"
    ).encode()
    office.mail.send(dkim.sign(raw), sender=STAFF, to=MAILBOX, sign=False)
    office.poll()
    assert show(office)["status"] == "awaiting"  # today: "archived", as if the head had said so


def test_hole_an_outsider_turns_a_captured_mail_of_the_head_into_an_order_through_dovecot(office):
    """A citizen once got a signed "Terima kasih" from the head. One line on top, with bare CRs,
    gives Mailflow a new From, subject tag and first body line; DKIM sees one unsigned header."""
    subject = tagged_subject(office)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = KADIS, "warga@gmail.example", "Terima kasih"
    msg["Message-ID"] = f"<captured-cr@{D}>"
    msg.set_content("Terima kasih atas laporannya.\n")
    genuine = dkim.sign(msg.as_bytes().replace(b"\n", b"\r\n"))
    attack = f"X-Catatan: -\rFrom: {KADIS}\rSubject: {subject}\rArsipkan\r\n".encode() + genuine
    office.mail.send(attack, sender="warga@gmail.example", to=MAILBOX, sign=False)
    office.poll()
    assert show(office)["status"] == "awaiting"  # today: "archived"


def test_text_before_a_captured_signed_body_does_not_survive_dovecot(office):
    """The bare-LF header end that gets text past Mailflow's DKIM fast path (hole 2 of the pure
    tests): Dovecot serves every line with CRLF, so the signature breaks and nothing acts. A
    server that serves the bytes as received (hole 2 stands) is not covered here."""
    subject = tagged_subject(office)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = KADIS, STAFF, subject
    msg["Message-ID"] = f"<captured-lf@{D}>"
    msg.set_content("Terima kasih.\n")
    genuine = dkim.sign(msg.as_bytes().replace(b"\n", b"\r\n"))
    head, _, body = genuine.partition(b"\r\n\r\n")
    office.mail.send(head + b"\r\n\nArsipkan\r\n\r\n" + body, sender=STAFF, to=MAILBOX, sign=False)
    assert office.poll().outcomes == {"quarantined": 1}
    letter = show(office)
    assert letter["status"] == "awaiting"
    assert [e for e in letter["log"] if e["action"] == "rejected" and e["facts"]["reason"] == "no_reply_code"]
