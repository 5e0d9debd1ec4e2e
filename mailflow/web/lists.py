"""The pages' lists as indexed, paginated queries within the reader's scope (web/scope.py)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from statistics import median

from sqlalchemy import exists, func
from sqlmodel import Session, col, or_, select

from mailflow.registry.queries import _SEARCHED, OPEN_STATES
from mailflow.storage.models import Disposition, Event, Letter
from mailflow.web.reader import Reader
from mailflow.web.scope import visible

PAGE = 25
MINE = 100  # the most "Surat saya" lists; overdue and soonest due come first


@dataclass(frozen=True)
class Waiting:
    letter: Letter
    node: Disposition
    overdue: bool


def waiting_for(session: Session, reader: Reader) -> list[Waiting]:
    """"Surat saya": the open dispositions the reader holds, overdue first, then by deadline."""
    late = col(Disposition.deadline) < reader.today
    rows = session.exec(
        select(Letter, Disposition)
        .join(Disposition, col(Disposition.letter_id) == col(Letter.id))
        .where(
            col(Disposition.holder).in_(reader.mine),
            col(Disposition.state).in_(OPEN_STATES),
            Letter.office == reader.office,
        )
        .order_by(late.desc(), col(Disposition.deadline), col(Letter.id))
        .limit(MINE)
    ).all()
    today = reader.today
    return [Waiting(letter, node, bool(node.deadline and node.deadline < today)) for letter, node in rows]


@dataclass(frozen=True)
class BookFilter:
    search: str = ""
    state: str = ""
    urgency: str = ""
    overdue: bool = False
    page: int = 1


def book_page(session: Session, reader: Reader, wanted: BookFilter) -> tuple[list[Letter], bool]:
    """One page of the agenda book, newest first; and whether another page follows."""
    query = select(Letter).where(visible(reader))
    for word in wanted.search.lower().split()[:8]:
        pattern = f"%{word}%"
        query = query.where(or_(*(func.lower(column).like(pattern) for column in _SEARCHED)))
    if wanted.state:
        query = query.where(Letter.status == wanted.state)
    if wanted.urgency:
        query = query.where(Letter.urgency == wanted.urgency)
    if wanted.overdue:
        query = query.where(
            exists().where(
                col(Disposition.letter_id) == col(Letter.id),
                col(Disposition.state).in_(OPEN_STATES),
                col(Disposition.deadline) < reader.today,
            )
        )
    # Newest first, by the (office, received_at) index: walked in order, never sorted.
    query = query.order_by(col(Letter.received_at).desc(), col(Letter.id).desc())
    rows = list(session.exec(query.offset((wanted.page - 1) * PAGE).limit(PAGE + 1)).all())
    return rows[:PAGE], len(rows) > PAGE


@dataclass(frozen=True)
class Week:
    start: dt.date
    first_disposition_hours: float | None  # the median over the week's letters
    completion_hours: float | None


@dataclass(frozen=True)
class Dashboard:
    by_state: list[tuple[str, int]]
    overdue_by_official: list[tuple[str, str, int]]  # title, name, count
    weeks: list[Week]


def dashboard(session: Session, reader: Reader, weeks: int = 12) -> Dashboard:
    office = Letter.office == reader.office
    by_state = session.exec(
        select(Letter.status, func.count())
        .where(office)
        .group_by(col(Letter.status))
        .order_by(col(Letter.status))
    ).all()
    late = session.exec(
        select(Disposition.holder_title, Disposition.holder_name, func.count())
        .join(Letter, col(Letter.id) == col(Disposition.letter_id))
        .where(office, col(Disposition.state).in_(OPEN_STATES), col(Disposition.deadline) < reader.today)
        .group_by(col(Disposition.holder_title), col(Disposition.holder_name))
        .order_by(func.count().desc())
    ).all()
    start = reader.today - dt.timedelta(days=reader.today.weekday() + 7 * (weeks - 1))
    since = dt.datetime.combine(start, dt.time(), dt.UTC)
    # Per letter of the office's weeks, its first disposition and its completion: two lookups by
    # the event's letter index each, not an aggregate over the whole log.
    first = (
        select(func.min(Event.at))
        .where(col(Event.letter_id) == col(Letter.id), Event.action == "disposed")
        .scalar_subquery()
    )
    done = (
        select(func.max(Event.at))
        .where(col(Event.letter_id) == col(Letter.id), col(Event.action).in_(("completed", "archived")))
        .scalar_subquery()
    )
    weeks_of = select(Letter.received_at, first, done).where(office, Letter.received_at >= since)
    rows = session.exec(weeks_of).all()
    spans: dict[dt.date, tuple[list[float], list[float]]] = {}
    for received, disposed, completed in rows:
        received = _utc(received)
        day = received.date()
        week = day - dt.timedelta(days=day.weekday())
        firsts, completions = spans.setdefault(week, ([], []))
        if disposed is not None:
            firsts.append((_utc(disposed) - received).total_seconds() / 3600)
        if completed is not None:
            completions.append((_utc(completed) - received).total_seconds() / 3600)
    series = []
    for n in range(weeks):
        week = start + dt.timedelta(days=7 * n)
        firsts, completions = spans.get(week, ([], []))
        series.append(
            Week(week, median(firsts) if firsts else None, median(completions) if completions else None)
        )
    counts = Counter(dict(by_state))
    return Dashboard(sorted(counts.items()), [(t, n, c) for t, n, c in late], series)


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
