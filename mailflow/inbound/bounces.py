"""Delivery failures of our own emails: matched to the outbox row they refer to, logged on the
letter, and reported to the admin. A bounce is never answered.

Anyone can forge a bounce quoting one of our Message-IDs, so the report says only what Mailflow
itself knows (the address it wrote to, the kind of email, the letter), once per outbox row, and
within the notice cap (outbound.caps)."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from mailflow.config import MailboxSettings
from mailflow.context import Context
from mailflow.outbound import caps
from mailflow.storage.events import log_event
from mailflow.storage.models import Letter, OutboxMessage, OutboxStatus
from mailflow.text.message import ParsedMessage

_OUR_ID = re.compile(rb"<[\w.-]+\.mailflow@[\w.-]+>")
_FINAL_RECIPIENT = re.compile(rb"(?:Final|Original)-Recipient:\s*rfc822;\s*<?([^\s>;]+@[^\s>;]+)", re.I)


def referenced_ids(message: ParsedMessage, raw: bytes) -> list[str]:
    """Our Message-IDs a bounce quotes: in its returned message, headers part or text."""
    ids = [m.decode("ascii", "replace") for m in _OUR_ID.findall(raw)]
    ids += [inner.message_id for inner in message.embedded if inner.message_id]
    return list(dict.fromkeys(ids))


def handle_bounce(
    session: Session, ctx: Context, box: MailboxSettings, message: ParsedMessage, raw: bytes
) -> OutboxMessage | None:
    ids = referenced_ids(message, raw)
    row = (
        session.exec(select(OutboxMessage).where(col(OutboxMessage.message_id).in_(ids))).first()
        if ids
        else None
    )
    if row is None:
        return None
    found = _FINAL_RECIPIENT.search(raw)
    failed = found[1].decode("ascii", "replace").lower() if found else row.recipient
    reported = row.status == OutboxStatus.BOUNCED
    row.status, row.last_error = OutboxStatus.BOUNCED, "bounced: a delivery report quoted this email"
    session.add(row)
    letter = session.get(Letter, row.letter_id) if row.letter_id else None
    if letter is not None:
        log_event(
            session,
            letter_id=letter.id,
            actor=failed,
            action="bounced",
            targets=[failed],
            facts={"kind": row.kind},
            message_id=message.message_id,
        )
    if ctx.admin and not reported:
        mail = ctx.mailer(box).notice(
            ctx.admin,
            "bounced",
            address=row.recipient,
            kind=row.kind,
            agenda=letter.agenda_number if letter else "-",
        )
        caps.notify(session, mail, "bounce_report", tell_later=True, letter_id=row.letter_id)
    return row
