"""Rejected replies told to the official they claimed to come from, at most once an hour.

The first rejection in an hour is told at once (registry.quarantine.reject); those that follow
within the hour wait, and the next follow-up pass after the hour tells them all in one digest.
A spoofer can make an official's phone buzz once an hour at most, and nothing goes untold.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func
from sqlmodel import Session, col, select

from mailflow.clock import instant, office_moment
from mailflow.context import Context
from mailflow.outbound import outbox
from mailflow.registry.quarantine import reason_code, told_reason, warning_key
from mailflow.storage.models import Event, Letter, OutboxMessage

QUIET = dt.timedelta(hours=1)


def send_warning_digests(session: Session, ctx: Context, now: dt.datetime) -> list[str]:
    """Queue one digest per official whose rejected replies came after their last warning, once
    that warning is an hour old; returns the officials warned."""
    now = now.astimezone(dt.UTC)
    rejected = session.exec(
        select(Event, Letter)
        .join(Letter, col(Letter.id) == col(Event.letter_id))
        .where(
            Event.action == "rejected",
            col(Event.at) >= now - dt.timedelta(days=1),
            Letter.office == ctx.rules.office_code,
        )
        .order_by(col(Event.at))
    ).all()
    by_owner: dict[str, list[tuple[Event, Letter]]] = {}
    for event, letter in rejected:
        if event.targets:
            by_owner.setdefault(event.targets[0], []).append((event, letter))
    warned = []
    for owner, items in by_owner.items():
        last = session.exec(
            select(func.max(OutboxMessage.created_at)).where(
                OutboxMessage.kind == "impersonation", OutboxMessage.recipient == owner
            )
        ).one()
        last = instant(last) if last is not None else None
        untold = [(e, letter) for e, letter in items if last is None or instant(e.at) > last]
        key = warning_key(owner, now)
        if not untold or (last is not None and now - last < QUIET) or outbox.already_queued(session, key):
            continue
        mailer = ctx.mailer()
        # The reason code's words only: the event's detail may quote the rejected message.
        told = [
            {
                "agenda": letter.agenda_number,
                "intruder": e.actor,
                "at": office_moment(e.at, ctx.settings.zone),
                "reason": mailer.say(owner, told_reason(reason_code(e))),
            }
            for e, letter in untold
        ]
        mail = mailer.notice(owner, "warnings", items=told)
        outbox.enqueue(session, mail, "impersonation", dedupe_key=key)
        warned.append(owner)
    return warned
