"""Agenda numbers: one gap-free serial per office, book and year, shown through a template.

The serial restarts every January (domain reference §4.1). It is taken inside the transaction
that files the letter, so a rollback gives it back and no number is ever skipped or repeated.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel import Session, col

from mailflow.storage.models import AgendaCounter, Book

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
DEFAULT_TAG = "SM {seq:03d}/{year}"


def format_agenda(template: str, seq: int, year: int, month: int, unit: str) -> str:
    """'{seq:03d}/SM/{year}' -> '042/SM/2026'."""
    return template.format(seq=seq, year=year, month=month, roman_month=ROMAN[month - 1], unit=unit)


# The counter's next serial: one statement, its values bound, built and compiled once.
_NEXT = (
    update(AgendaCounter)
    .where(col(AgendaCounter.office) == bindparam("of_office"), col(AgendaCounter.year) == bindparam("on"))
    .where(col(AgendaCounter.book) == bindparam("in_book"))
    .values(seq=col(AgendaCounter.seq) + 1)
    .returning(col(AgendaCounter.seq))
)


def next_serial(session: Session, office: str, year: int, book: Book = Book.INCOMING) -> int:
    """Take the next serial; the row lock (or SQLite's write lock) serialises concurrent filers.
    One UPDATE on the session's connection: the counter is never an object of the session."""
    result = session.connection().execute(_NEXT, {"of_office": office, "on": year, "in_book": book})
    seq = result.scalar_one_or_none()
    if seq is not None:
        return seq
    session.add(AgendaCounter(office=office, year=year, book=book, seq=1))
    session.flush()
    return 1


def book_entry(
    session: Session, office: str, template: str, local: dt.datetime, book: Book = Book.INCOMING
) -> dict[str, Any]:
    """The next entry of `office`'s `book` for the year of `local` (the office's clock): the
    Letter columns that place it there."""
    seq = next_serial(session, office, local.year, book)
    return {
        "office": office,
        "book": book,
        "year": local.year,
        "seq": seq,
        "agenda_number": format_agenda(template, seq, local.year, local.month, office),
        "subject_tag": format_agenda(DEFAULT_TAG, seq, local.year, local.month, office),
    }
