"""Reminders to the holder of an open instruction: before its deadline, then while it is overdue."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from mailflow.context import Context
from mailflow.followup.chase import chase
from mailflow.office.calendar import Calendar
from mailflow.outbound import outbox
from mailflow.storage.models import Disposition, Letter


def reminder_due(
    deadline: dt.date | None, today: dt.date, calendar: Calendar, before_days: int, every_days: int
) -> int | None:
    """Working days overdue (0: not yet) when a reminder is due today, else None."""
    if deadline is None or not calendar.is_workday(today):
        return None
    overdue = calendar.workdays_between(deadline, today) if deadline < today else 0
    if not overdue:
        return 0 if calendar.workdays_between(today, deadline) == before_days else None
    return overdue if (overdue - 1) % every_days == 0 else None


def remind(session: Session, ctx: Context, node: Disposition, letter: Letter, today: dt.date) -> str | None:
    """Queue today's reminder about `node` if one is due and not sent yet."""
    settings = ctx.settings
    overdue = reminder_due(
        node.deadline,
        today,
        ctx.rules.calendar,
        settings.remind_before_days,
        settings.remind_overdue_every_days,
    )
    key = f"remind:{node.id}:{today.isoformat()}"
    if overdue is None or node.deadline is None or outbox.already_queued(session, key):
        return None
    mail = ctx.mailer(ctx.mailbox_of(letter)).to_official(
        letter,
        node,
        "reminder",
        deadline=node.deadline,
        overdue_days=overdue,
        instruction=node.instruction,
    )
    return chase(session, letter, node, mail, "reminded", node.id, key, overdue_days=overdue)
