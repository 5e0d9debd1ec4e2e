"""The registry's read side: letters, their logs and the quarantine as plain data for the CLI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, or_, select

from mailflow.storage.models import (
    Disposition,
    Event,
    HeldStatus,
    InboundMessage,
    Letter,
    LetterFile,
    QuarantineItem,
    id_of,
)


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC).isoformat()
    return value.isoformat()


def _book_entry(letter: Letter | None) -> dict[str, Any] | None:
    """A letter in another office's book, as far as this one may see: which book, which number."""
    if letter is None:
        return None
    return {"office": letter.office, "agenda_number": letter.agenda_number, "status": letter.status}


def letter_record(session: Session, letter: Letter, with_log: bool = True) -> dict[str, Any]:
    """A letter as `mailflow letter show --json` prints it (the interface other tools rely on)."""
    files = session.exec(
        select(LetterFile).where(LetterFile.letter_id == letter.id, col(LetterFile.event_id).is_(None))
    ).all()
    record: dict[str, Any] = {
        "office": letter.office,
        "agenda_number": letter.agenda_number,
        "received_at": _iso(letter.received_at),
        "sender": letter.sender,
        "letter_number": letter.letter_number,
        "letter_date": _iso(letter.letter_date),
        "subject": letter.subject,
        "attachment_count": letter.attachment_count,
        "urgency": letter.urgency,
        "security": letter.security,
        "classification": letter.classification,
        "note": letter.note,
        "status": letter.status,
        "attachments": [
            {"filename": f.filename, "content_type": f.content_type, "size": f.size, "sha256": f.sha256}
            for f in files
        ],
        "sources": letter.sources,
        "confidence": letter.confidence,  # of each field OCR read, 0-100
        "fields_pending": letter.fields_pending,  # its scans are still being read
        # Between the offices of a regency: where it came from, and where it was passed on to.
        "origin": _book_entry(session.get(Letter, letter.origin_id)) if letter.origin_id else None,
        "passed_to": [
            _book_entry(passed)
            for passed in session.exec(
                select(Letter).where(Letter.origin_id == letter.id).order_by(col(Letter.id))
            ).all()
        ],
    }
    if with_log:
        record["dispositions"] = disposition_records(session, id_of(letter))
        record["inbound"] = inbound_records(session, letter_id=letter.id)
        events = session.exec(
            select(Event).where(Event.letter_id == letter.id).order_by(col(Event.at), col(Event.id))
        ).all()
        record["log"] = [
            {
                "at": _iso(e.at),
                "actor": e.actor,
                "action": e.action,
                "targets": list(e.targets),
                "instruction": e.instruction,
                "deadline": _iso(e.deadline),
                "text": e.text,  # a person's own words (Mailflow's, in a row of before the facts)
                "facts": e.facts,  # what Mailflow knows, worded when shown (registry/log_words.py)
            }
            for e in events
        ]
    return record


def find_letter(session: Session, agenda: str, offices: Iterable[str] = ()) -> Letter | None:
    """By full agenda number, or by serial alone within the current year's book; in a regency,
    within the books of `offices` (every office's number 001 is its own letter)."""
    within = list(offices)
    query = select(Letter).where(col(Letter.office).in_(within)) if within else select(Letter)
    letter = session.exec(query.where(Letter.agenda_number == agenda)).first()
    if letter is None and agenda.isdecimal():
        letter = session.exec(
            query.where(Letter.seq == int(agenda)).order_by(col(Letter.year).desc())
        ).first()
    return letter


OPEN_STATES = ("pending", "acknowledged", "in_progress")


_SEARCHED = (
    col(Letter.ocr_text),
    col(Letter.subject),
    col(Letter.sender),
    col(Letter.letter_number),
    col(Letter.note),
    col(Letter.agenda_number),
)


def letters(
    engine: Engine,
    today: dt.date,
    year: int | None = None,
    status: str | None = None,
    holder: str | None = None,
    overdue_only: bool = False,
    search: str = "",
    offices: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """The registry, filtered; each letter with its open holders and whether one is overdue.

    `search`: letters whose fields or scanned text hold every one of its words."""
    with Session(engine) as session:
        query = select(Letter).order_by(col(Letter.year), col(Letter.seq))
        for word in search.lower().split():
            pattern = f"%{word}%"
            query = query.where(or_(*(func.lower(column).like(pattern) for column in _SEARCHED)))
        if within := list(offices):
            query = query.where(col(Letter.office).in_(within))
        if year is not None:
            query = query.where(Letter.year == year)
        if status is not None:
            query = query.where(Letter.status == status)
        if holder is not None:
            waiting = select(Disposition.letter_id).where(
                col(Disposition.state).in_(OPEN_STATES), Disposition.holder == holder.lower()
            )
            query = query.where(col(Letter.id).in_(waiting))
        rows = []
        for letter in session.exec(query).all():
            record = letter_record(session, letter, with_log=False)
            record["holders"] = open_holders(session, id_of(letter))
            late = [h for h in record["holders"] if h["deadline"] and h["deadline"] < today.isoformat()]
            record["overdue"] = bool(late)
            if late or not overdue_only:
                rows.append(record)
        return rows


def open_holders(session: Session, letter_id: int) -> list[dict[str, Any]]:
    nodes = session.exec(
        select(Disposition).where(Disposition.letter_id == letter_id, col(Disposition.state).in_(OPEN_STATES))
    ).all()
    return [
        {"holder": n.holder, "title": n.holder_title, "state": n.state, "deadline": _iso(n.deadline)}
        for n in nodes
    ]


def disposition_records(session: Session, letter_id: int) -> list[dict[str, Any]]:
    nodes = session.exec(
        select(Disposition).where(Disposition.letter_id == letter_id).order_by(col(Disposition.id))
    ).all()
    return [
        {
            "id": n.id,
            "parent": n.parent_id,
            "holder": n.holder,
            "name": n.holder_name,
            "title": n.holder_title,
            "disposer": n.disposer,
            "instruction": n.instruction,
            "deadline": _iso(n.deadline),
            "state": n.state,
        }
        for n in nodes
    ]


def quarantine_items(
    engine: Engine, include_released: bool = False, offices: Iterable[str] = ()
) -> list[QuarantineItem]:
    with Session(engine) as session:
        query = select(QuarantineItem).order_by(col(QuarantineItem.id))
        if within := list(offices):
            query = query.where(col(QuarantineItem.office).in_(within))
        if not include_released:
            query = query.where(QuarantineItem.status == HeldStatus.HELD)
        return list(session.exec(query).all())


def inbound_records(
    session: Session, *, letter_id: int | None = None, quarantine_id: int | None = None
) -> list[dict[str, Any]]:
    """The messages that acted on a letter or were held as a quarantine item, oldest first: each
    with the check that decided it and its reason (the pipeline's record, inbound.pipeline)."""
    query = select(InboundMessage).order_by(col(InboundMessage.seen_at), col(InboundMessage.id))
    if letter_id is not None:
        query = query.where(InboundMessage.letter_id == letter_id)
    if quarantine_id is not None:
        query = query.where(InboundMessage.quarantine_id == quarantine_id)
    rows = session.exec(query).all()
    return [
        {
            "seen_at": _iso(r.seen_at),
            "mailbox": r.mailbox,
            "message_id": r.message_id,
            "outcome": r.outcome,
            "decided_by": r.decided_by,
            "reason": r.reason,
        }
        for r in rows
    ]


def quarantine_record(item: QuarantineItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "office": item.office,
        "reason": item.reason,
        "detail": item.detail,
        "from": item.from_address,
        "subject": item.subject,
        "received_at": _iso(item.received_at),
        "mailbox": item.mailbox,
        "status": item.status,
        "resolution": item.resolution,
    }
