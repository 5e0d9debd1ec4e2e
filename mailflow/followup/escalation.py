"""Escalation of an overdue instruction: its disposer is told at `escalate_after_days` working days
late, and the disposer's superior at twice that."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, select

from mailflow.context import Context
from mailflow.followup.chase import chase
from mailflow.office.targets import target_of
from mailflow.outbound import outbox
from mailflow.storage.models import Disposition, Letter

LEVELS = (1, 2)  # 1: the disposer, 2: the disposer's superior


def levels_due(overdue_days: int, step: int) -> list[int]:
    """The escalation levels an instruction this late has reached."""
    return [level for level in LEVELS if overdue_days >= step * level]


def escalate(session: Session, ctx: Context, node: Disposition, letter: Letter, today: dt.date) -> list[str]:
    """Queue the escalations about `node` that are due and not sent yet."""
    calendar = ctx.rules.calendar
    if node.deadline is None or node.deadline >= today or node.parent_id is None:
        return []
    if not calendar.is_workday(today):
        return []
    overdue = calendar.workdays_between(node.deadline, today)
    due = [
        level
        for level in levels_due(overdue, ctx.settings.escalate_after_days)
        if not outbox.already_queued(session, f"escalate:{node.id}:{level}")
    ]
    if not due:
        return []
    mailer = ctx.mailer(ctx.mailbox_of(letter))
    late: dict[str, Any] = {
        "late_title": node.holder_title,
        "late_name": node.holder_name,
        "instruction": node.instruction,
        "overdue_days": overdue,
        "deadline": node.deadline,
    }
    parent = session.get(Disposition, node.parent_id)
    done = []
    for level in due:
        key = f"escalate:{node.id}:{level}"
        if level == 1 and parent is not None:
            mail = mailer.to_official(letter, parent, "escalation", level=level, **late)
            answerable: int | None = parent.id
        else:
            superior = ctx.rules.positions.get(parent.position_id) if parent else None
            if superior is None or superior.reports_to is None:
                continue
            up = target_of(ctx.rules, superior.reports_to, today)
            part = session.exec(
                select(Disposition).where(Disposition.letter_id == letter.id, Disposition.holder == up.email)
            ).first()
            if part is not None:
                mail = mailer.to_official(letter, part, "escalation", level=level, **late)
                answerable = part.id
            else:  # a superior without a part in this letter gets the news, not an answerable request
                mail = mailer.to_reader(
                    letter, up.email, "escalation", holder_title=up.title, holder_name=up.name,
                    level=level, **late,
                )  # fmt: skip
                answerable = None
        done.append(
            chase(
                session,
                letter,
                node,
                mail,
                "escalated",
                answerable,
                key,
                level=level,
                overdue_days=overdue,
            )
        )
    return done
