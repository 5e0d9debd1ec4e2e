"""A letter's spans: the hours from its receipt to its first disposition and to its finish, kept
on the letter as its log records them, with the week of its receipt they count in. The dashboard
reads each week's median from an index in the spans' order (web/lists.py) instead of computing
every letter's spans from the log and sorting them on each view.

The hours are the database's own date arithmetic, the very numbers a query over the log gives
(migration 0014 computed the spans of the letters before it so)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Date, cast, func, literal, or_, update
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col
from sqlmodel.sql.sqltypes import UTCDateTime

from mailflow.storage.models import Letter

FIRST_DISPOSED = "disposed"  # the first such entry of a letter's log ends `hours_to_disposition`
FINISHED = frozenset({"completed", "archived"})  # the last such entry ends `hours_to_finish`


def keep_span(session: Session, letter_id: int, action: str, at: dt.datetime) -> None:
    """The log of letter `letter_id` got `action` at `at`: lengthen or shorten its span if this
    entry is the first "disposed" or the last "completed"/"archived" so far. One conditional
    UPDATE in the caller's transaction: of two transactions logging at once, the second
    re-checks the row it waited for, so each keeps the true extreme (no read-then-write). Sent on
    the session's connection, past the ORM: it reads only the stored letter's own row."""
    if action == FIRST_DISPOSED:
        span, first = col(Letter.hours_to_disposition), True
    elif action in FINISHED:
        span, first = col(Letter.hours_to_finish), False
    else:
        return
    dialect = session.get_bind().dialect.name
    received = col(Letter.received_at)
    hours = hours_between(dialect, literal(at, UTCDateTime()), received)
    session.connection().execute(
        update(Letter)
        .where(col(Letter.id) == letter_id, or_(span.is_(None), span > hours if first else span < hours))
        .values({span: hours, col(Letter.received_week): monday_of(dialect, received)})
    )
    if (letter := session.identity_map.get(session.identity_key(Letter, letter_id))) is not None:
        session.expire(letter, ["received_week", "hours_to_disposition", "hours_to_finish"])


def hours_between(
    dialect: str, later: ColumnElement[Any] | Mapped[Any], earlier: ColumnElement[Any] | Mapped[Any]
) -> ColumnElement[Any]:
    """The hours from `earlier` to `later`, in the database's own date arithmetic."""
    if dialect == "postgresql":
        return func.extract("epoch", later - earlier) / 3600.0
    return (func.julianday(later) - func.julianday(earlier)) * 24.0


def monday_of(dialect: str, moment: ColumnElement[Any] | Mapped[Any]) -> ColumnElement[Any]:
    """The Monday (UTC) of the week of `moment`: the dashboard's weeks start there."""
    if dialect == "postgresql":
        return cast(func.date_trunc("week", func.timezone("UTC", moment)), Date)
    return func.date(moment, "-6 days", "weekday 1")
