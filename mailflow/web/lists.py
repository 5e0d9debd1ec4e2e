"""The pages' lists as indexed, paginated queries within the reader's scope (web/scope.py)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from functools import cache
from statistics import median
from typing import Any

from sqlalchemy import CompoundSelect, Date, Integer, bindparam, func, literal, union_all
from sqlmodel import Session, col, or_, select

from mailflow.registry.queries import _SEARCHED, OPEN_STATES
from mailflow.storage.models import Disposition, Letter
from mailflow.web.reader import Reader
from mailflow.web.scope import hidden_confidential, overseen, unseen_open, visible, visible_with_node

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
    if wanted.overdue:  # an open disposition past its deadline: the earliest open one is
        query = query.where(col(Letter.open_deadline) < reader.today)
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
    """The office's numbers as its reader may open its letters from the book (STATUS's scope):
    a letter they cannot open is neither counted nor named under its late official. The
    weeks' medians are the office's whole: a median of a week's letters tells no letter's
    count, official or content."""
    office = Letter.office == reader.office
    by_state = session.exec(select(Letter.status, func.count()).where(office).group_by(col(Letter.status)))
    counts = Counter({str(status): n for status, n in by_state.all()})
    # The letters kept from the reader, few: the confidential ones by the (office, security)
    # index, the others among the letters without a tree yet (web/scope.unseen_open).
    kept = union_all(
        select(Letter.status).where(hidden_confidential(reader)),
        select(Letter.status).where(unseen_open(reader, overseen(session, reader))),
    )
    counts.subtract(str(status) for (status,) in session.execute(kept).all())
    late = session.exec(
        select(Disposition.holder_title, Disposition.holder_name, func.count())
        .join(Letter, col(Letter.id) == col(Disposition.letter_id))
        .where(office, col(Disposition.state).in_(OPEN_STATES), col(Disposition.deadline) < reader.today)
        # only the letters with an open node past its deadline, from their index (not every letter)
        .where(col(Letter.open_deadline) < reader.today)
        .where(visible_with_node(reader))
        .group_by(col(Disposition.holder_title), col(Disposition.holder_name))
        .order_by(func.count().desc())
    ).all()
    start = reader.today - dt.timedelta(days=reader.today.weekday() + 7 * (weeks - 1))
    medians = _week_medians(session, reader.office, start, weeks)
    series = [
        Week(start + dt.timedelta(days=7 * n), medians.get(("first", n)), medians.get(("done", n)))
        for n in range(weeks)
    ]
    return Dashboard(sorted((s, n) for s, n in counts.items() if n), [(t, n, c) for t, n, c in late], series)


SPANS = {"first": col(Letter.hours_to_disposition), "done": col(Letter.hours_to_finish)}
WEEK = col(Letter.received_week)


def _week_medians(session: Session, office: str, start: dt.date, weeks: int) -> dict[tuple[str, int], float]:
    """Per week from Monday `start` (by the letters' receipt) the median hours to the first
    disposition ("first") and to the finish ("done"), as statistics.median of the week's letters
    that have the span. Each letter's spans are stored on it as its log records them
    (storage/spans.py), in an index by office, week and span: each week's spans are counted from
    it, then its middle one or two read from it in order. Two queries whatever the office's
    size, no sort: the ~10,000 letters of a busy office's weeks are counted, never fetched."""
    sizes: Counter[tuple[str, int]] = Counter()
    for measure, monday, count in session.execute(_counted(), {"office": office, "start": start}).all():
        sizes[(str(measure), min((monday - start).days // 7, weeks - 1))] += int(count)
    if not sizes:
        return {}
    values: dict[str, Any] = {"office": office}
    for n in range(weeks):
        values[f"week{n}"] = start + dt.timedelta(days=7 * n)
        for measure in SPANS:
            size = sizes[(measure, n)]
            # the middle row, or the two middle rows of an even count (none of an empty week)
            values[f"skip_{measure}{n}"] = max(size - 1, 0) // 2
            values[f"take_{measure}{n}"] = 2 - size % 2 if size else 0
    found: dict[tuple[str, int], list[float]] = {}
    for measure, n, hours in session.execute(_middles(weeks), values).all():
        found.setdefault((str(measure), int(n)), []).append(float(hours))
    return {key: median(spans) for key, spans in found.items()}


@cache
def _counted() -> CompoundSelect:
    """Each week's letters with each span, counted from the index alone."""
    return union_all(
        *(
            select(literal(measure), WEEK, func.count())
            .where(Letter.office == bindparam("office"), bindparam("start") <= WEEK, span.is_not(None))
            .group_by(WEEK)
            for measure, span in SPANS.items()
        )
    )


@cache
def _middles(weeks: int) -> CompoundSelect:
    """The middle spans of each week, read in the index's order: one statement, built once (its
    24 parts cost more to build than to run). The last week also holds any letter dated after it,
    as the weeks computed from the log did (none is: received_at is the moment of filing)."""
    parts = []
    for measure, span in SPANS.items():
        for n in range(weeks):
            monday = bindparam(f"week{n}", type_=Date)
            middle = (
                select(literal(measure).label("measure"), literal(n).label("week"), span.label("hours"))
                .where(
                    Letter.office == bindparam("office"),
                    monday <= WEEK if n == weeks - 1 else monday == WEEK,
                    span.is_not(None),
                )
                .order_by(span)
                .offset(bindparam(f"skip_{measure}{n}", type_=Integer))
                .limit(bindparam(f"take_{measure}{n}", type_=Integer))
                .subquery()
            )
            parts.append(middle.select())
    return union_all(*parts)
