"""The digest of notices held back by the cap (outbound.caps): one email per official or admin
once their hour has room again, saying how many more messages were held and where to see them.
Nothing goes untold, and a stranger cannot make anyone's phone buzz more than a few times an hour.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from mailflow.clock import office_moment
from mailflow.context import Context
from mailflow.outbound import caps, outbox
from mailflow.storage.models import OutboxMessage, OutboxStatus


def send_notice_digests(session: Session, ctx: Context, now: dt.datetime) -> list[str]:
    """Queue one digest per recipient of this office (its people, clerks and the admin) with
    notices held back; returns the recipients told."""
    now = now.astimezone(dt.UTC)
    held_back = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SUPPRESSED)
        .order_by(col(OutboxMessage.created_at), col(OutboxMessage.id))
    ).all()
    by_recipient: dict[str, list[OutboxMessage]] = {}
    for row in held_back:
        by_recipient.setdefault(row.recipient, []).append(row)
    told = []
    for recipient, rows in by_recipient.items():
        ours = (
            ctx.rules.person_by_address(recipient) is not None
            or ctx.rules.clerk(recipient) is not None
            or recipient == ctx.admin
        )
        if not ours or caps.sent_within(session, recipient, now) >= caps.NOTICES_PER_HOUR:
            continue
        key = f"notices:{recipient}:{rows[0].id}"
        if outbox.already_queued(session, key):
            continue
        zone = ctx.settings.zone
        mail = ctx.mailer().notice(
            recipient,
            "notice_digest",
            cap=caps.NOTICES_PER_HOUR,
            # Each held-back notice's subject: Mailflow's own words (and a quarantine number).
            items=[{"at": office_moment(row.created_at, zone), "subject": row.subject} for row in rows],
        )
        outbox.enqueue(session, mail, "notice_digest", dedupe_key=key)
        for row in rows:
            row.status = OutboxStatus.DIGESTED
            session.add(row)
        told.append(recipient)
    return told
