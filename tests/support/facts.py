"""The facts the dashboard and the book read from each letter (its spans, their week, its open
deadline), computed afresh from the log and the trees as the pages did before they were stored:
the oracle that the stored facts (storage/spans.py, disposition/tree.py, migration 0014) agree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, exists, func, literal, union_all
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select

from mailflow.clock import DEFAULT_ZONE, instant
from mailflow.registry.queries import OPEN_STATES
from mailflow.storage.models import Disposition, Event, Letter
from mailflow.web.lists import BookFilter
from mailflow.web.reader import Reader
from mailflow.web.scope import visible


@dataclass(frozen=True)
class Facts:
    received_week: dt.date | None
    hours_to_disposition: float | None
    hours_to_finish: float | None
    open_deadline: dt.date | None


ZONE = ZoneInfo(DEFAULT_ZONE)  # the tests' offices' zone (config `timezone` unset)


def from_the_log(session: Session, zone: ZoneInfo = ZONE) -> dict[int, Facts]:
    """Each letter's facts from its log (the first "disposed", the last "completed"/"archived")
    and its tree (the earliest deadline of its open nodes), in Python; its week is the Monday
    of its receipt in the office's zone, whatever its log."""
    facts = {}
    for letter in session.exec(select(Letter)).all():
        events = session.exec(select(Event).where(Event.letter_id == letter.id)).all()
        nodes = session.exec(select(Disposition).where(Disposition.letter_id == letter.id)).all()
        received = instant(letter.received_at)
        first = min((instant(e.at) for e in events if e.action == "disposed"), default=None)
        last = max((instant(e.at) for e in events if e.action in ("completed", "archived")), default=None)
        deadlines = [n.deadline for n in nodes if n.state in OPEN_STATES and n.deadline is not None]
        local = received.astimezone(zone).date()
        facts[letter.id or 0] = Facts(
            local - dt.timedelta(days=local.weekday()),
            (first - received).total_seconds() / 3600 if first else None,
            (last - received).total_seconds() / 3600 if last else None,
            min(deadlines, default=None),
        )
    return facts


def stored(session: Session) -> dict[int, Facts]:
    return {
        letter.id or 0: Facts(
            letter.received_week, letter.hours_to_disposition, letter.hours_to_finish, letter.open_deadline
        )
        for letter in session.exec(select(Letter)).all()
    }


def assert_stored_facts_agree(engine: Engine, zone: ZoneInfo = ZONE) -> None:
    """Every letter's stored facts are what its log and tree say (hours to the microsecond)."""
    with Session(engine) as session:
        expected, kept = from_the_log(session, zone), stored(session)
    assert kept.keys() == expected.keys()
    for letter_id, facts in expected.items():
        got = kept[letter_id]
        assert (got.received_week, got.open_deadline) == (facts.received_week, facts.open_deadline), letter_id
        for hours, want in ((got.hours_to_disposition, facts.hours_to_disposition),
                            (got.hours_to_finish, facts.hours_to_finish)):  # fmt: skip
            assert (hours is None) == (want is None), (letter_id, got, facts)
            assert hours is None or want is None or abs(hours - want) < 1e-6, (letter_id, got, facts)


def old_book_ids(session: Session, reader: Reader, wanted: BookFilter, page: int = 25) -> list[int]:
    """The book's filtered page as the pages read it before 0014: "overdue" searched each letter's
    tree for an open node past its deadline."""
    query = select(Letter.id).where(visible(reader))
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
    query = query.order_by(col(Letter.received_at).desc(), col(Letter.id).desc())
    return [n or 0 for n in session.exec(query.offset((wanted.page - 1) * page).limit(page)).all()]


def old_week_medians(
    session: Session, office: str, start: dt.date, weeks: int, zone: ZoneInfo = ZONE
) -> dict[tuple[str, int], float]:
    """The dashboard's weekly medians as the pages computed them before 0014 (but for the weeks,
    the office's since 0017): each letter's two moments looked up in the log, its week by a
    CASE over the moments the office's Mondays begin, the median by window."""
    mondays = [dt.datetime.combine(start + dt.timedelta(days=7 * n), dt.time(), zone).astimezone(dt.UTC)
               for n in range(weeks + 1)]  # fmt: skip
    since = mondays[0]
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
        *((received < mondays[n + 1], n) for n in range(weeks - 1)), else_=weeks - 1
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
                func.count().over(partition_by=spans.c.week, order_by=value, rows=(None, None)).label("n"),
            )
            .where(value.is_not(None))
            .subquery()
        )
        medians.append(
            select(literal(measure), ranked.c.week, func.avg(ranked.c.hours))
            .where(ranked.c.rank.in_(((ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2)))
            .group_by(ranked.c.week)
        )
    rows = session.execute(union_all(*medians)).all()
    return {(str(measure), int(n)): float(hours) for measure, n, hours in rows}


def _hours(dialect: str, later: ColumnElement[Any], earlier: Mapped[dt.datetime]) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return func.extract("epoch", later - earlier) / 3600.0
    return (func.julianday(later) - func.julianday(earlier)) * 24.0
