"""Notices a stranger can cause, capped: a few per recipient per hour, the rest told in one digest.

Anyone can make Mailflow hold a message (a forged From of the head, a letter sent straight to the
mailbox, a forged bounce quoting one of our Message-IDs), and each holding tells someone. The
count is read from the outbox, so it holds across workers and restarts. A notice over the cap is
kept as an outbox row in status `suppressed` (its subject only: every capped notice's subject is
Mailflow's own words), and the follow-up pass tells the official or admin about those rows in
one digest once their hour has room (followup.notices). A stranger over the cap gets nothing.
"""

from __future__ import annotations

import datetime as dt
from email.message import Message

from sqlalchemy import func
from sqlmodel import Session, col, select

from mailflow.outbound import outbox
from mailflow.storage.models import OutboxMessage, OutboxStatus, utcnow

NOTICES_PER_HOUR = 3
WINDOW = dt.timedelta(hours=1)
# Held-mail notices to their claimed sender, held letters to the clerks, bounce reports to the
# admin, and the digest of those over the cap (which counts too).
CAPPED = ("held", "direct_letter", "bounce_report", "notice_digest")


def sent_within(session: Session, recipient: str, now: dt.datetime) -> int:
    """Capped notices queued or sent to `recipient` in the hour before `now`."""
    return session.exec(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.recipient == recipient,
            col(OutboxMessage.kind).in_(CAPPED),
            col(OutboxMessage.status).not_in((OutboxStatus.SUPPRESSED, OutboxStatus.DIGESTED)),
            col(OutboxMessage.created_at) >= now - WINDOW,
        )
    ).one()


def notify(
    session: Session, msg: Message, kind: str, tell_later: bool, letter_id: int | None = None
) -> OutboxMessage | None:
    """Queue `msg` unless its recipient had NOTICES_PER_HOUR already this hour; then keep it for
    the digest (`tell_later`: an official or the admin) or drop it (a stranger)."""
    recipient = str(msg["To"])
    if sent_within(session, recipient, utcnow()) < NOTICES_PER_HOUR:
        return outbox.enqueue(session, msg, kind, letter_id)
    if not tell_later:
        return None
    row = outbox.enqueue(session, msg, kind, letter_id)
    row.status, row.raw = OutboxStatus.SUPPRESSED, b""
    return row
