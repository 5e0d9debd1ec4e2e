"""The disposition log: one entry per thing that happened to a letter, in the caller's transaction.

Every writer of the log goes through `log_event` (or `log_entry`, the same entry written past the
ORM), so an entry always has its actor, its time and
an id that the dispositions it caused can point to; and the letter's spans the dashboard reads
(to its first disposition, to its finish: storage/spans.py) are kept in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict, Unpack

from sqlalchemy import insert
from sqlmodel import Session, col

from mailflow.storage.models import Event, utcnow
from mailflow.storage.spans import keep_span

MAILFLOW = "mailflow"  # the actor of what Mailflow does by itself

# Every code the log holds. Each has its words in every language (the catalogue's `action.CODE`,
# and `log.CODE` for the facts it carries: registry/log_words.py), tested over the catalogue.
ACTIONS = frozenset({
    "registered", "duplicate", "corrected", "scanned", "not_read", "receipt_sent", "requested",
    "disposed", "acknowledged", "progress", "completed", "archived", "cancelled", "noted",
    "received_from", "passed_on", "reminded", "escalated", "digested", "bounced", "rejected", "released",
})  # fmt: skip


class Details(TypedDict, total=False):
    """What an entry may say besides its letter and action (both writers take the same)."""

    actor: str  # MAILFLOW when not given
    text: str  # a person's own words only
    targets: Sequence[str]
    instruction: str | None
    deadline: dt.date | None
    message_id: str | None
    facts: Mapping[str, object] | None  # what Mailflow knows: plain values, or lists of them


def log_event(session: Session, *, letter_id: int | None, action: str, **details: Unpack[Details]) -> Event:
    """Add an entry to the log of letter `letter_id`; flushed, so its id is known. `text` is a
    person's own words only; what Mailflow knows goes in `facts` and is worded when shown, in
    the reader's language."""
    event = Event(**_entry(letter_id, action, details))
    session.add(event)
    session.flush()
    keep_span(session, event.letter_id, action, event.at)
    return event


# One statement for every entry, its values bound: built and compiled once.
_INSERT = insert(Event).returning(col(Event.id))


def log_entry(session: Session, *, letter_id: int | None, action: str, **details: Unpack[Details]) -> int:
    """`log_event` for a writer that needs only the entry's id (filing, routing: a letter's
    every entry at once): one INSERT on the session's connection, no object and no flush of
    whatever else the session holds. Safe past the ORM: the row is the same checked values
    `log_event` stores, the letter it points to is stored, and nothing in the session holds it."""
    values = _entry(letter_id, action, details)
    values["at"] = at = utcnow()
    ident = session.connection().execute(_INSERT, values).scalar_one()
    if ident is None:  # a primary key is never NULL; the column's type says Optional for the ORM
        raise LookupError("the database stored a log entry without an id")
    keep_span(session, values["letter_id"], action, at)
    return ident


def _entry(letter_id: int | None, action: str, details: Details) -> dict[str, Any]:
    """An entry's columns, checked: a stored letter, an action of ACTIONS."""
    if letter_id is None:
        raise ValueError("a log entry needs a stored letter")
    if action not in ACTIONS:
        raise ValueError(f"{action!r} is not a log action (storage.events.ACTIONS)")
    return {
        "letter_id": letter_id,
        "actor": details.get("actor", MAILFLOW),
        "action": action,
        "text": details.get("text", ""),
        "targets": list(details.get("targets", ())),
        "instruction": details.get("instruction"),
        "deadline": details.get("deadline"),
        "message_id": details.get("message_id"),
        "facts": dict(details.get("facts") or {}),
    }
