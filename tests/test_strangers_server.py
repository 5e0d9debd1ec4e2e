"""What a stranger can make Mailflow send, through the real Dovecot, relay and `poll`: a few
notices per recipient an hour and then one digest, no large held mail copied to the clerks, and
no word of the stranger's in any notice to an official."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import make_msgid

from sqlmodel import Session, col, select

from mailflow.ops import service
from mailflow.outbound.caps import NOTICES_PER_HOUR
from mailflow.registry.quarantine import ATTACH_HELD_BYTES
from mailflow.storage.models import OutboxMessage
from tests.support.letters import CLERK, MAILBOX, gmail_forward, pdf_letter
from tests.support.mail import text_of

D = "@probolinggokab.example"
KADIS, ADMIN = f"kadis{D}", f"admin{D}"
LURE = "Segera klik https://evil.example/login?u=kadis"  # the attacker's words
NAME = "Kepala Dinas (resmi)"


def lure(sender: str, subject: str = LURE, body: str = f"{LURE}\n") -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = f'"{NAME}" <{sender}>', MAILBOX, subject
    msg["Message-ID"] = make_msgid(domain="evil.example")
    msg.set_content(body)
    return msg


def no_lure(msg) -> bool:
    text = f"{msg['Subject']}\n{text_of(msg)}\n{msg.get_body(('html',)).get_content()}"
    return "evil.example/login" not in text and "klik" not in text.lower() and NAME not in text


def rows(office, recipient: str) -> list[OutboxMessage]:
    with Session(office.app.engine) as session:
        return list(
            session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.recipient == recipient)
                .order_by(col(OutboxMessage.id))
            ).all()
        )


def later(hours: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)


def test_thirty_spoofed_mails_from_the_head_give_a_few_notices_then_one_digest(office):
    for _ in range(30):
        office.mail.append(MAILBOX, lure(KADIS), sign=False)  # a forged From: no signature
    assert office.poll().outcomes == {"quarantined": 30}
    held = office.mail.messages(KADIS)
    assert len(held) == NOTICES_PER_HOUR
    assert all(no_lure(m) for m in held), [text_of(m) for m in held]
    kinds = [(r.kind, r.status) for r in rows(office, KADIS)]
    assert kinds.count(("held", "sent")) == NOTICES_PER_HOUR
    assert kinds.count(("held", "suppressed")) == 30 - NOTICES_PER_HOUR

    # Within the hour, no digest; after it, one for all the rest; then nothing more.
    assert service.followups(office.app, later(0.5)).notices == []
    assert service.followups(office.app, later(2)).notices == [KADIS]
    service.flush(office.app)
    assert service.followups(office.app, later(2)).notices == []
    digest = office.mail.wait_for(KADIS, lambda m: "pemberitahuan lagi" in str(m["Subject"]))
    assert f"{30 - NOTICES_PER_HOUR} pemberitahuan lagi" in str(digest["Subject"])
    assert "mailflow quarantine list" in text_of(digest) and no_lure(digest)
    assert [r.status for r in rows(office, KADIS)].count("digested") == 30 - NOTICES_PER_HOUR


def test_a_large_stranger_mail_is_not_copied_to_the_clerks_and_none_of_its_words_are(office):
    big = lure("hacker@evil.example", body="x" * (2 * ATTACH_HELD_BYTES))
    office.mail.send(big)
    office.mail.send(lure("other@evil.example"))  # a small one: attached, as before
    assert office.poll().outcomes == {"quarantined": 2}
    notices = [r for r in rows(office, CLERK) if r.kind == "direct_letter"]
    assert len(notices) == 2
    assert len(notices[0].raw) < 20_000 and b"surat-asli.eml" in notices[1].raw  # one clerk's copy
    first = office.mail.wait_for(CLERK, lambda m: "karantina nomor 1" in str(m["Subject"]))
    second = office.mail.wait_for(CLERK, lambda m: "karantina nomor 2" in str(m["Subject"]))
    assert list(first.iter_attachments()) == [] and "terlalu besar untuk dilampirkan" in text_of(first)
    assert [p.get_filename() for p in second.iter_attachments()] == ["surat-asli.eml"]
    assert "hacker@evil.example" in text_of(first)  # the address, as an address: a fact
    assert no_lure(first) and no_lure(second)


def dsn(message_id: str, failed: str) -> bytes:
    """A forged delivery report quoting one of our Message-IDs, with the attacker's own words."""
    return (
        f"From: MAILER-DAEMON@mx.evil.example\r\nTo: {MAILBOX}\r\nSubject: {LURE}\r\n"
        f"Message-ID: <{failed}.{message_id[1:8]}@evil.example>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
        f"--b1\r\nContent-Type: text/plain\r\n\r\n{LURE}\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        f"Final-Recipient: rfc822; {failed}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"--b1\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {message_id}\r\n--b1--\r\n"
    ).encode()


def test_thirty_forged_bounces_give_the_admin_a_few_reports_then_one_digest(office):
    for number in range(3):
        office.mail.send(
            gmail_forward(pdf=pdf_letter(number=f"{number}/X/2026"), original_subject=f"S{number}")
        )
    office.poll()
    with Session(office.app.engine) as session:
        ours = [r.message_id for r in session.exec(select(OutboxMessage)).all()]
    assert len(ours) > NOTICES_PER_HOUR
    for i in range(30):
        office.mail.append(MAILBOX, dsn(ours[i % len(ours)], f"evil{i}@evil.example"), sign=False)
    assert office.poll().outcomes == {"bounce": 30}
    reports = [r for r in rows(office, ADMIN) if r.kind == "bounce_report"]
    # One report per email of ours at most (a second forged bounce of it tells nothing new),
    # and of those, a few an hour.
    assert len(reports) == len(ours)
    assert [r.status for r in reports].count("sent") == NOTICES_PER_HOUR
    told = office.mail.messages(ADMIN)
    assert len(told) == NOTICES_PER_HOUR and all(no_lure(m) and "evil" not in text_of(m) for m in told)
    assert service.followups(office.app, later(2)).notices == [ADMIN]


def test_a_forged_answer_warns_the_official_in_mailflows_words_only(office):
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    office.poll()
    request = office.mail.wait_for(KADIS, lambda m: "Mohon disposisi" in str(m["Subject"]))
    forged = lure("hacker@evil.example", subject=f"Re: {request['Subject']} {LURE}")
    forged["In-Reply-To"] = request["Message-ID"]
    office.mail.append(MAILBOX, forged, sign=False)
    assert office.poll().outcomes == {"quarantined": 1}
    warning = office.mail.wait_for(KADIS, lambda m: "Peringatan" in str(m["Subject"]))
    assert "Alasan: email itu dikirim dari alamat lain" in text_of(warning)
    assert "hacker@evil.example" in text_of(warning) and no_lure(warning)
