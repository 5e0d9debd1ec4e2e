"""The weekly summary: each unit head's last week (Monday to Sunday, office time), sent on this
week's first working day, counted over the letters whose disposition tree reaches the unit."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from mailflow.context import Context
from mailflow.disposition.states import OPEN
from mailflow.office.calendar import Calendar
from mailflow.outbound import outbox
from mailflow.storage.models import Disposition, Event, Letter


def first_workday_of_week(calendar: Calendar, today: dt.date) -> bool:
    monday = today - dt.timedelta(days=today.weekday())
    days = (monday + dt.timedelta(days=n) for n in range(today.weekday()))
    return calendar.is_workday(today) and not any(map(calendar.is_workday, days))


@dataclass(frozen=True)
class WeekCounts:
    received: int
    disposed: int
    completed: int
    on_time: int
    overdue: int
    first_hours: float | None  # average time from receipt to the first disposition


def count_week(
    events: list[Event],
    nodes: list[Disposition],
    received: dict[int, dt.datetime],
    first_disposed: dict[int, dt.datetime],
    today: dt.date,
) -> WeekCounts:
    """A unit's week from its events, its nodes and its letters' receipt and first disposition (pure)."""
    counts = Counter(e.action for e in events)
    hours = [
        (first_disposed[letter] - at).total_seconds() / 3600
        for letter, at in received.items()
        if letter in first_disposed
    ]
    return WeekCounts(
        received=counts["registered"],
        disposed=counts["disposed"],
        completed=counts["completed"],
        on_time=sum(
            1 for e in events if e.action == "completed" and e.deadline and e.at.date() <= e.deadline
        ),
        overdue=sum(1 for n in nodes if n.state in OPEN and n.deadline and n.deadline < today),
        first_hours=sum(hours) / len(hours) if hours else None,
    )


def _unit_week(
    session: Session, ours: list[Disposition], start: dt.datetime, end: dt.datetime
) -> tuple[list[Event], dict[int, dt.datetime], dict[int, dt.datetime]]:
    """The week's events of the unit's letters, their receipt times and first dispositions."""
    letter_ids = {n.letter_id for n in ours}
    events = list(
        session.exec(
            select(Event).where(Event.at >= start, Event.at < end, col(Event.letter_id).in_(letter_ids))
        ).all()
    )
    received = {
        letter_id: at
        for letter_id, at in session.exec(
            select(Letter.id, Letter.received_at).where(
                Letter.received_at >= start, Letter.received_at < end, col(Letter.id).in_(letter_ids)
            )
        ).all()
        if letter_id is not None
    }
    first = dict(
        session.exec(
            select(Event.letter_id, func.min(Event.at))
            .where(Event.action == "disposed", col(Event.letter_id).in_(received))
            .group_by(col(Event.letter_id))
        ).all()
    )
    return events, received, first


def send_weekly(session: Session, ctx: Context, today: dt.date) -> list[str]:
    """Queue each unit head's summary of last week, once; returns the units summarised."""
    monday = today - dt.timedelta(days=today.weekday())
    week = (monday - dt.timedelta(days=7)).isocalendar()
    # Timestamps are stored as UTC: compare in UTC, on SQLite and PostgreSQL alike.
    end = dt.datetime.combine(monday, dt.time(), ctx.settings.zone).astimezone(dt.UTC)
    start = end - dt.timedelta(days=7)
    office = ctx.rules.office_code
    nodes = list(
        session.exec(
            select(Disposition)
            .join(Letter, col(Letter.id) == col(Disposition.letter_id))
            .where(Letter.office == office)
        ).all()
    )
    sent = []
    for unit in ctx.rules.units.values():
        key = f"weekly:{ctx.keyed(unit.id)}:{week.year}-{week.week:02d}"
        if outbox.already_queued(session, key):
            continue
        ours = [n for n in nodes if (p := ctx.rules.positions.get(n.position_id)) and p.unit == unit.id]
        events, received, first = _unit_week(session, ours, start, end)
        counts = count_week(events, ours, received, first, today)
        head = ctx.rules.holder(unit.head, today)
        mail = ctx.mailer().notice(
            head.person.email,
            "weekly",
            unit=unit.name,
            week=f"{week.year}-W{week.week:02d}",
            received=counts.received,
            disposed=counts.disposed,
            completed=counts.completed,
            on_time=counts.on_time,
            overdue=counts.overdue,
            first_hours=counts.first_hours,
        )
        outbox.enqueue(session, mail, "weekly", dedupe_key=key)
        sent.append(unit.id)
    return sent
