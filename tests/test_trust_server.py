"""Trust: bounces, auto-replies, storms, replays, expired tokens and DKIM policy, each against
the real Dovecot and SMTP relay, each failing without its protection."""

from __future__ import annotations

import datetime as dt
import json
from email.message import EmailMessage

from click.testing import CliRunner
from sqlmodel import Session, select

from mailflow.cli import cli
from mailflow.storage.models import Disposition, OutboxMessage
from mailflow.text.reply_tokens import plus_address
from tests.support import clients
from tests.support.letters import gmail_forward, original_letter, pdf_letter
from tests.support.mail import text_of

D = "@probolinggokab.example"
KADIS, ADMIN, MAILBOX = f"kadis{D}", f"admin{D}", f"surat{D}"


def log_of(office) -> list[dict]:
    out = CliRunner().invoke(cli, ["--config", str(office.config_path), "letter", "show", "1", "--json"])
    return json.loads(out.output)["log"]


def filed(office):
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    office.poll()
    return office.mail.wait_for(KADIS, lambda m: "Mohon disposisi" in str(m["Subject"]))


def dsn_for(original, failed: str) -> bytes:
    """An RFC 3464 delivery status notification as an MTA writes it."""
    headers = "".join(
        f"{k}: {' '.join(str(v).split())}\r\n"
        for k, v in original.items()
        if k in ("From", "To", "Subject", "Message-ID")
    )
    return (
        f"From: MAILER-DAEMON@mx.probolinggokab.example\r\nTo: {MAILBOX}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        f"Final-Recipient: rfc822; {failed}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n{headers}--b1--\r\n"
    ).encode()


def test_a_bounce_is_matched_logged_and_reported_never_answered(office):
    request = filed(office)
    office.mail.append(MAILBOX, dsn_for(request, KADIS))
    assert office.poll().outcomes == {"bounce": 1}
    with Session(office.app.engine) as session:
        row = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "request")).one()
        assert row.status == "bounced"
        assert (
            session.exec(select(OutboxMessage).where(OutboxMessage.recipient.like("%MAILER-DAEMON%"))).all()
            == []
        )
    assert ("bounced", KADIS) in [(e["action"], e["actor"]) for e in log_of(office)]
    report = office.mail.wait_for(ADMIN, lambda m: "tidak menerima email" in str(m["Subject"]))
    assert KADIS in text_of(report)


def test_a_non_standard_bounce_quoting_our_message_id(office):
    request = filed(office)
    bounce = EmailMessage()
    bounce["From"], bounce["To"] = f"postmaster{D}", MAILBOX
    bounce["Subject"] = "Undeliverable: " + str(request["Subject"])
    bounce.set_content(
        f"Delivery has failed to these recipients: {KADIS}\n\nMessage-ID: {request['Message-ID'].strip()}\n"
    )
    office.mail.append(MAILBOX, bounce)
    assert office.poll().outcomes == {"bounce": 1}


def test_out_of_office_replies_are_never_acknowledgements(office):
    request = filed(office)
    for subject, body in (
        ("Re: x", "Saya sedang cuti sampai 5 Desember. Untuk urusan mendesak hubungi sekdis."),
        ("Automatic reply: x", "Siap"),
    ):
        ooo = clients.iphone_id(request, KADIS, body)
        ooo.replace_header("Subject", subject)
        office.mail.send(ooo)
    assert office.poll().outcomes == {"ignored": 2}
    assert [e["action"] for e in log_of(office)].count("acknowledged") == 0
    with Session(office.app.engine) as session:
        assert session.exec(select(OutboxMessage).where(OutboxMessage.kind == "confirmation")).all() == []


def test_answers_to_one_address_are_capped_per_day(office):
    office.smtp_extra = "daily_cap_per_address = 2"
    office.reconfigure()
    for n in range(4):
        office.mail.send(
            original_letter(subject=f"Undangan {n}", sender="stranger@elsewhere.example"), to=MAILBOX
        )
    assert office.poll().outcomes == {"quarantined": 4}
    with Session(office.app.engine) as session:
        held = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "held")).all()
    # The fourth is not even written (outbound.caps: 3 notices per recipient an hour); of the
    # three, the daily cap sends two.
    assert sorted(r.status for r in held) == ["pending", "sent", "sent"]
    assert all("daily cap" in r.last_error for r in held if r.status == "pending")


def test_backscatter_to_an_outside_domain_is_capped_and_quotes_nothing(office):
    office.reconfigure(extra="held_notices_per_domain = 3")
    for n in range(5):
        spam = original_letter(
            subject=f"BELI SEKARANG {n} http://spam.example", sender=f"u{n}@victim.example"
        )
        office.mail.send(spam, to=MAILBOX)
    assert office.poll().outcomes == {"quarantined": 5}
    with Session(office.app.engine) as session:
        held = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "held")).all()
    assert len(held) == 3
    assert not [r for r in held if b"BELI" in r.raw or "BELI" in r.subject]


def test_notes_alone_are_confirmed_once_an_hour(office):
    request = filed(office)
    for n in range(3):  # a program that answers with a new text each time, and no auto-reply headers
        office.mail.send(clients.iphone_id(request, KADIS, f"Kode antrean {n}, diteruskan ke ajudan"))
    assert office.poll().outcomes == {"reply": 3}
    office.poll()
    confirmations = [m for m in office.mail.messages(KADIS) if "Dicatat" in str(m["Subject"])]
    assert len(confirmations) == 1
    assert [e["action"] for e in log_of(office)].count("noted") == 3  # all kept in the log


def test_the_same_reply_delivered_twice_is_applied_once(office):
    request = filed(office)
    reply = clients.gmail_android_id(request, KADIS, "Sekretaris: pelajari")
    office.mail.send(reply)
    office.poll()
    del reply["X-Resent"]
    reply["X-Resent"] = "yes"  # different bytes, same Message-ID
    office.mail.send(reply)
    assert office.poll().outcomes == {"ignored": 1}
    assert [e["action"] for e in log_of(office)].count("disposed") == 1


def test_the_same_words_under_a_new_message_id_act_once_and_questions_are_answered_again(office):
    request = filed(office)
    for _ in range(2):
        office.mail.send(clients.gmail_android_id(request, KADIS, "Sekretaris: pelajari"))  # fresh Message-ID
        office.poll()
    assert [e["action"] for e in log_of(office)].count("disposed") == 1
    for _ in range(2):
        office.mail.send(clients.iphone_id(request, KADIS, "Status"))
        assert office.poll().outcomes == {"reply": 1}


def test_an_expired_token_is_rejected(office):
    filed(office)
    with Session(office.app.engine) as session:
        node = session.exec(select(Disposition)).first()
    old = office.app.signer.make(node.id, KADIS, dt.date.today() - dt.timedelta(days=1))
    reply = EmailMessage()
    reply["From"], reply["To"], reply["Subject"] = KADIS, plus_address(MAILBOX, old), "Re: surat"
    reply.set_content("Arsipkan")
    office.mail.send(reply)
    assert office.poll().outcomes == {"quarantined": 1}
    rejected = [e for e in log_of(office) if e["action"] == "rejected"]
    assert rejected and "expired" in rejected[0]["facts"]["detail"]


def test_dkim_policy_uses_only_our_own_authentication_results(office):
    office.reconfigure(box_extra='require_dkim = true\nauthserv_id = "mx.probolinggokab.example"')
    stamped = gmail_forward(pdf=pdf_letter())
    stamped["Authentication-Results"] = (
        "mx.probolinggokab.example; dmarc=pass header.from=probolinggokab.example"
    )
    office.mail.send(stamped)
    office.poll()
    request = office.mail.wait_for(KADIS, lambda m: "Mohon disposisi" in str(m["Subject"]))
    forged = clients.gmail_android_id(request, KADIS, "Arsipkan")
    forged["Authentication-Results"] = "evil.example; dkim=pass header.d=probolinggokab.example"
    office.mail.send(forged)
    assert office.poll().outcomes == {"quarantined": 1}
    genuine = clients.gmail_android_id(request, KADIS, "Arsipkan")
    genuine["Authentication-Results"] = "mx.probolinggokab.example; dkim=pass header.d=probolinggokab.example"
    office.mail.send(genuine)
    assert office.poll().outcomes == {"reply": 1}
