"""The disposition log: one entry per thing that happened to a letter, in the caller's transaction.

Every writer of the log goes through `log_event`, so an entry always has its actor, its time and
an id that the dispositions it caused can point to; and the letter's spans the dashboard reads
(to its first disposition, to its finish: storage/spans.py) are kept in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlmodel import Session

from mailflow.storage.models import Event
from mailflow.storage.spans import keep_span

MAILFLOW = "mailflow"  # the actor of what Mailflow does by itself


def log_event(
    session: Session,
    *,
    letter_id: int | None,
    action: str,
    actor: str = MAILFLOW,
    text: str = "",
    targets: Sequence[str] = (),
    instruction: str | None = None,
    deadline: dt.date | None = None,
    message_id: str | None = None,
) -> Event:
    """Add an entry to the log of letter `letter_id`; flushed, so its id is known."""
    if letter_id is None:
        raise ValueError("a log entry needs a stored letter")
    event = Event(
        letter_id=letter_id,
        actor=actor,
        action=action,
        text=text,
        targets=list(targets),
        instruction=instruction,
        deadline=deadline,
        message_id=message_id,
    )
    session.add(event)
    session.flush()
    keep_span(session, letter_id, action, event.at)
    return event
