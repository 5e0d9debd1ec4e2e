"""A letter's spans: the hours from its receipt to its first disposition and to its finish, kept
on the letter as its log records them; and the week of its receipt they count in, the office's
week (Monday in the office's zone), stored when the letter is filed (`week_of`). The dashboard
reads each week's median from an index in the spans' order (web/lists.py) instead of computing
every letter's spans from the log and sorting them on each view.

The hours are the database's own date arithmetic, the very numbers a query over the log gives
(migration 0014 computed the spans of the letters before it so)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, literal, or_, update
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
        .values({span: hours})
    )
    if (letter := session.identity_map.get(session.identity_key(Letter, letter_id))) is not None:
        session.expire(letter, ["hours_to_disposition", "hours_to_finish"])


def hours_between(
    dialect: str, later: ColumnElement[Any] | Mapped[Any], earlier: ColumnElement[Any] | Mapped[Any]
) -> ColumnElement[Any]:
    """The hours from `earlier` to `later`, in the database's own date arithmetic."""
    if dialect == "postgresql":
        return func.extract("epoch", later - earlier) / 3600.0
    return (func.julianday(later) - func.julianday(earlier)) * 24.0


def week_of(received_at: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The Monday of the office's week `received_at` falls in, in the office's zone `zone`: a
    letter received Monday 01:30 WIB counts in that week, not in the week before as its UTC
    moment would. Stored on the letter when it is filed (the filer knows the zone; the log's
    writer does not need it); a stored time without a zone is UTC."""
    moment = received_at if received_at.tzinfo else received_at.replace(tzinfo=dt.UTC)
    local = moment.astimezone(zone).date()
    return local - dt.timedelta(days=local.weekday())
