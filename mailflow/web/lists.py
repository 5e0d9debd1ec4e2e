"""The pages' lists as indexed, paginated queries within the reader's scope (web/scope.py)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, exists, func, literal, union_all
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, or_, select

from mailflow.registry.queries import _SEARCHED, OPEN_STATES
from mailflow.storage.models import Disposition, Event, Letter
from mailflow.web.reader import Reader
from mailflow.web.scope import counted, hidden_confidential, visible

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
    """The office's numbers; a confidential letter the reader may not see (STATUS's scope) is
    neither counted nor named under its late official. The weeks' medians are the office's
    whole: a median of a week's letters tells no letter's count, official or content."""
    office = Letter.office == reader.office
    by_state = session.exec(select(Letter.status, func.count()).where(office).group_by(col(Letter.status)))
    counts = Counter({str(status): n for status, n in by_state.all()})
    # The confidential letters kept from the reader, few: each by the (office, security) index.
    hidden = session.exec(select(Letter.status).where(hidden_confidential(reader))).all()
    counts.subtract(str(status) for status in hidden)
    late = session.exec(
        select(Disposition.holder_title, Disposition.holder_name, func.count())
        .join(Letter, col(Letter.id) == col(Disposition.letter_id))
        .where(office, col(Disposition.state).in_(OPEN_STATES), col(Disposition.deadline) < reader.today)
        .where(counted(reader))
        .group_by(col(Disposition.holder_title), col(Disposition.holder_name))
        .order_by(func.count().desc())
    ).all()
    start = reader.today - dt.timedelta(days=reader.today.weekday() + 7 * (weeks - 1))
    medians = _week_medians(session, reader.office, dt.datetime.combine(start, dt.time(), dt.UTC), weeks)
    series = [
        Week(start + dt.timedelta(days=7 * n), medians.get(("first", n)), medians.get(("done", n)))
        for n in range(weeks)
    ]
    return Dashboard(sorted((s, n) for s, n in counts.items() if n), [(t, n, c) for t, n, c in late], series)


def _week_medians(
    session: Session, office: str, since: dt.datetime, weeks: int
) -> dict[tuple[str, int], float]:
    """Per week (from `since`, by the letters' arrival) the median hours to the first disposition
    ("first") and to completion ("done"), computed by the database in one query: the office's
    weeks are ~10,000 letters in a busy year, too many to fetch for two numbers a week. Each
    letter's two moments are look-ups by the (letter, action, at) index of the log."""
    dialect = session.get_bind().dialect.name
    received = col(Letter.received_at)
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
    week = case(
        *((received < since + dt.timedelta(days=7 * (n + 1)), n) for n in range(weeks - 1)), else_=weeks - 1
    )
    spans = (
        select(
            week.label("week"),
            _hours(dialect, first, received).label("first"),
            _hours(dialect, done, received).label("done"),
        )
        .where(Letter.office == office, received >= since)
        .cte("spans")
    )
    medians = []
    for measure in ("first", "done"):
        value = spans.c[measure]
        ranked = (
            select(
                spans.c.week,
                value.label("hours"),
                func.row_number().over(partition_by=spans.c.week, order_by=value).label("rank"),
                # the same window (one sort), framed over the whole week
                func.count().over(partition_by=spans.c.week, order_by=value, rows=(None, None)).label("n"),
            )
            .where(value.is_not(None))
            .subquery()
        )
        # The middle row, or the mean of the two middle rows: the median as statistics.median.
        medians.append(
            select(literal(measure), ranked.c.week, func.avg(ranked.c.hours))
            .where(ranked.c.rank.in_(((ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2)))
            .group_by(ranked.c.week)
        )
    rows = session.execute(union_all(*medians)).all()
    return {(str(measure), int(n)): float(hours) for measure, n, hours in rows}


def _hours(dialect: str, later: ColumnElement[Any], earlier: Mapped[dt.datetime]) -> ColumnElement[Any]:
    """The hours from `earlier` to `later`, in the database's own date arithmetic."""
    if dialect == "postgresql":
        return func.extract("epoch", later - earlier) / 3600.0
    return (func.julianday(later) - func.julianday(earlier)) * 24.0
