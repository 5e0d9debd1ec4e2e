"""Trust in the field: a spoofer who knows the head's and the clerk's addresses, and the subject
tag, but not the reply code nor the office's DKIM key, changes nothing. Through the real Dovecot,
relay and poll; the office's own mail is DKIM-signed as its server would sign it."""

from __future__ import annotations

import datetime as dt
import json
from email.message import EmailMessage

from click.testing import CliRunner

from mailflow.cli import cli
from mailflow.demo import dkim
from tests.support import clients
from tests.support.letters import gmail_forward, pdf_letter
from tests.support.mail import text_of

D = "@probolinggokab.example"
KADIS, CLERK, MAILBOX, SEKRETARIS = f"kadis{D}", f"agenda{D}", f"surat{D}", f"sekretaris{D}"


def show(office) -> dict:
    out = CliRunner().invoke(cli, ["--config", str(office.config_path), "letter", "show", "1", "--json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def filed(office):
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    office.poll()
    return office.mail.wait_for(KADIS, lambda m: "Mohon disposisi" in str(m["Subject"]))


def plain_mail(sender: str, subject: str, text: str, **headers: str) -> EmailMessage:
    """A new email typed from scratch: no reply code, no quote."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, MAILBOX, subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text)
    return msg


def test_spoofed_head_with_the_subject_tag_changes_nothing_and_the_real_head_is_told(office):
    filed(office)
    tag = show(office)["agenda_number"].replace("/SM/", " ").split()
    spoof = plain_mail(KADIS, f"Re: [SM {tag[0]}/{tag[1]}] surat", "Arsipkan")
    office.mail.send(spoof, sign=False)
    assert office.poll().outcomes == {"quarantined": 1}
    letter = show(office)
    assert letter["status"] == "awaiting"
    assert [e for e in letter["log"] if e["action"] == "rejected" and "no_reply_code" in e["text"]]
    warning = office.mail.wait_for(KADIS, lambda m: "tanpa kode balasan" in str(m["Subject"]))
    assert "tombol Balas" in text_of(warning)


def test_spoofed_in_reply_to_our_message_id_changes_nothing(office):
    request = filed(office)
    spoof = plain_mail(KADIS, "Re: surat", "Sekretaris: pelajari", In_Reply_To=request["Message-ID"])
    office.mail.send(spoof, sign=False)
    assert office.poll().outcomes == {"quarantined": 1}
    assert not [e for e in show(office)["log"] if e["action"] == "disposed"]


def test_a_verified_head_without_the_code_still_acts(office):
    request = filed(office)
    genuine = plain_mail(KADIS, "Re: surat", "Arsipkan", In_Reply_To=request["Message-ID"])
    office.mail.send(genuine)  # signed by the office's server
    assert office.poll().outcomes == {"reply": 1}
    assert show(office)["status"] == "archived"


def test_a_signature_that_does_not_verify_is_no_signature(office):
    request = filed(office)
    raw = dkim.sign(plain_mail(KADIS, "Re: surat", "Arsipkan", In_Reply_To=request["Message-ID"]).as_bytes())
    office.mail.send(raw.replace(b"Arsipkan", b"Sekretaris: hadiri"), sign=False)  # altered in transit
    assert office.poll().outcomes == {"quarantined": 1}
    assert show(office)["status"] == "awaiting"


def test_warnings_to_one_official_are_at_most_one_an_hour(office):
    request = filed(office)
    for text in ("Arsipkan", "Batal", "Sekretaris: hadiri"):
        spoof = plain_mail(KADIS, "Re: surat", text, In_Reply_To=request["Message-ID"])
        office.mail.send(spoof, sign=False)
    assert office.poll().outcomes == {"quarantined": 3}
    office.poll()
    warnings = [m for m in office.mail.messages(KADIS) if "tanpa kode balasan" in str(m["Subject"])]
    assert len(warnings) == 1
    from mailflow.ops import service

    soon = dt.datetime.now(office.app.settings.zone) + dt.timedelta(minutes=20)
    assert service.followups(office.app, soon).warnings == []  # still within the hour
    later = soon + dt.timedelta(minutes=45)
    assert service.followups(office.app, later).warnings == [KADIS]
    service.flush(office.app)
    digest = office.mail.wait_for(KADIS, lambda m: "2 balasan atas nama Anda" in str(m["Subject"]))
    assert text_of(digest).count("surat 001/SM/2026") == 2
    assert service.followups(office.app, later).warnings == []  # told once


def test_a_spoofed_clerk_files_nothing_and_the_real_clerk_is_told(office):
    office.mail.send(gmail_forward(pdf=pdf_letter()), sign=False)
    assert office.poll().outcomes == {"quarantined": 1}
    items = json.loads(
        CliRunner().invoke(cli, ["--config", str(office.config_path), "quarantine", "list", "--json"]).output
    )
    assert [i["reason"] for i in items] == ["sender_unverified"]
    told = office.mail.wait_for(CLERK, lambda m: "Belum diproses" in str(m["Subject"]))
    assert "DKIM" in text_of(told)
    assert not [m for m in office.mail.messages(KADIS) if "Mohon disposisi" in str(m["Subject"])]


def test_a_spoofed_clerk_correction_changes_no_field(office):
    filed(office)
    original = show(office)
    receipt = office.mail.wait_for(CLERK, lambda m: "Tanda terima" in str(m["Subject"]))
    forged = clients.gmail_android_id(receipt, CLERK, "Sifat: Biasa\nPerihal: Tidak penting")
    office.mail.send(forged, sign=False)
    assert office.poll().outcomes == {"quarantined": 1}
    before = show(office)
    assert (before["subject"], before["urgency"]) == (original["subject"], original["urgency"])
    assert not [e for e in before["log"] if e["action"] == "corrected"]


def test_a_spoofed_status_request_is_not_answered(office):
    filed(office)
    ask = plain_mail(SEKRETARIS, f"STATUS {show(office)['agenda_number']}", "")
    office.mail.send(ask, sign=False)
    assert office.poll().outcomes == {"quarantined": 1}
    office.poll()
    assert not [m for m in office.mail.messages(SEKRETARIS) if str(m["Subject"]).startswith("Status")]
