"""The disposition log: one entry per thing that happened to a letter, in the caller's transaction.

Every writer of the log goes through `log_event`, so an entry always has its actor, its time and
an id that the dispositions it caused can point to; and the letter's spans the dashboard reads
(to its first disposition, to its finish: storage/spans.py) are kept in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlmodel import Session

from mailflow.storage.models import Event
from mailflow.storage.spans import keep_span

MAILFLOW = "mailflow"  # the actor of what Mailflow does by itself

# Every code the log holds. Each has its words in every language (the catalogue's `action.CODE`,
# and `log.CODE` for the facts it carries: registry/log_words.py), tested over the catalogue.
ACTIONS = frozenset({
    "registered", "duplicate", "corrected", "scanned", "not_read", "receipt_sent", "requested",
    "disposed", "acknowledged", "progress", "completed", "archived", "cancelled", "noted",
    "received_from", "passed_on", "reminded", "escalated", "digested", "bounced", "rejected", "released",
})  # fmt: skip


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
    facts: Mapping[str, object] | None = None,
    flush: bool = True,
) -> Event:
    """Add an entry to the log of letter `letter_id`; flushed, so its id is known (`flush=False`:
    an entry nobody points to goes with the transaction's next flush, with the others then
    pending, in one batch). `text` is a person's own words only; what Mailflow knows goes in
    `facts` (plain values, or lists of them) and is worded when shown, in the reader's language."""
    if letter_id is None:
        raise ValueError("a log entry needs a stored letter")
    if action not in ACTIONS:
        raise ValueError(f"{action!r} is not a log action (storage.events.ACTIONS)")
    event = Event(
        letter_id=letter_id,
        actor=actor,
        action=action,
        text=text,
        targets=list(targets),
        instruction=instruction,
        deadline=deadline,
        message_id=message_id,
        facts=dict(facts or {}),
    )
    session.add(event)
    if flush:
        session.flush()
    keep_span(session, letter_id, action, event.at)
    return event
