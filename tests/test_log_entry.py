"""`log_entry` (storage.events) writes, past the ORM, the very row `log_event` writes: the same
columns and the same checks, and the letter's spans kept the same way."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlmodel import Session, col, select

from mailflow.storage.db import make_engine
from mailflow.storage.events import log_entry, log_event
from mailflow.storage.models import Event, Letter

COLUMNS = ("letter_id", "actor", "action", "text", "targets", "instruction", "deadline", "message_id", "facts")


def _letter(session: Session, n: int) -> Letter:
    letter = Letter(
        office="DISDIK", year=2026, seq=n, agenda_number=f"{n:03d}/SM/2026", subject_tag=f"t{n}",
        received_at=dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC), mailbox="surat", clerk="agenda@x.example",
        message_id=f"<{n}@x>", fingerprint=f"f{n}", raw_sha256="0" * 64,
    )  # fmt: skip
    session.add(letter)
    session.flush()
    return letter


def test_log_entry_writes_the_row_log_event_writes(database_url: str) -> None:
    engine = make_engine(database_url)
    with Session(engine) as session:
        letter = _letter(session, 1)
        said: dict[str, Any] = {
            "letter_id": letter.id,
            "actor": "kadis@x.example",
            "action": "disposed",
            "targets": ["a@x.example", "b@x.example"],
            "instruction": "Segera",
            "deadline": dt.date(2026, 12, 4),
            "message_id": "<m@x>",
            "facts": {"rule": "r1", "reasons": [["mailbox", {"name": "surat"}]]},
        }
        by_object = log_event(session, **said)
        ident = log_entry(session, **said)
        session.commit()
        rows = session.exec(select(Event).order_by(col(Event.id))).all()
        assert [row.id for row in rows] == [by_object.id, ident] and ident > (by_object.id or 0)
        assert [getattr(rows[0], c) for c in COLUMNS] == [getattr(rows[1], c) for c in COLUMNS]
        assert rows[1].at >= rows[0].at
        session.refresh(letter)
        assert letter.hours_to_disposition is not None  # the first "disposed" kept the span
        with pytest.raises(ValueError, match="not a log action"):
            log_entry(session, letter_id=letter.id, action="invented")
        with pytest.raises(ValueError, match="stored letter"):
            log_entry(session, letter_id=None, action="registered")
