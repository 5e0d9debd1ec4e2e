"""Files of a letter not read past a limit: logged on the letter at filing, named by its receipt."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from mailflow.storage.events import log_entry
from mailflow.storage.models import Event, Letter
from mailflow.text.letter import Unread


def note_unread(session: Session, letter: Letter, unread: Sequence[Unread]) -> None:
    """Log each file not read past a limit; the receipt names them (whenever it is sent)."""
    for item in unread:
        log_entry(
            session,
            letter_id=letter.id,
            action="not_read",
            targets=[item.filename, item.reason],  # worded when shown (catalogue "unread")
        )


def unread_of(session: Session, letter: Letter) -> list[Unread]:
    events = session.exec(
        select(Event).where(Event.letter_id == letter.id, Event.action == "not_read").order_by(col(Event.id))
    ).all()
    return [Unread(str(e.targets[0]), str(e.targets[1])) for e in events if len(e.targets) == 2]
