"""The agenda book (buku agenda surat masuk): the registry of one year as a table an office files,
in XLSX, CSV or JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from mailflow.clock import office_moment
from mailflow.disposition.states import OPEN
from mailflow.domain import FIELD_NAMES
from mailflow.office.model import Rules
from mailflow.outbound.catalogue import Words
from mailflow.storage.models import Disposition, Event, Letter, LetterStatus, id_of

# The book's columns, in order; each heading is the catalogue's `book.<column>`.
COLUMNS = (
    "agenda_number",
    "received_at",
    "sender",
    "letter_number",
    "letter_date",
    "subject",
    "attachment_count",
    "urgency",
    "security",
    "classification",
    "holder",
    "status",
    "done_at",
    "note",
)
DATES = frozenset({"received_at", "letter_date", "done_at"})
# Column widths in characters: as wide as the longest value, within these bounds (longer text wraps).
NARROWEST, WIDEST = 8, 50

Progress = Callable[[int, int], None]  # (done, total), for a progress bar


def agenda_rows(
    engine: Engine,
    year: int,
    zone,
    unit: str | None = None,
    rules: Rules | None = None,
    progress: Progress | None = None,
) -> list[dict]:
    """One row per letter of the year, in agenda order, with its current holder and status.

    Three queries for the whole year, not three per letter: a year's book has thousands of rows.
    """
    book = [Letter.year == year] + ([Letter.office == rules.office_code] if rules is not None else [])
    with Session(engine) as session:
        letters = session.exec(select(Letter).where(*book).order_by(col(Letter.seq))).all()
        ids = select(Letter.id).where(*book)  # a subquery: no limit on bound parameters
        nodes: dict[int, list[Disposition]] = {}
        for node in session.exec(select(Disposition).where(col(Disposition.letter_id).in_(ids))).all():
            nodes.setdefault(node.letter_id, []).append(node)
        done_at: dict[int, dt.datetime] = {}
        for letter_id, at in session.exec(
            select(Event.letter_id, Event.at).where(
                col(Event.letter_id).in_(ids), col(Event.action).in_(("completed", "archived"))
            )
        ).all():
            done_at[letter_id] = max(at, done_at.get(letter_id, at))
    rows = []
    for index, letter in enumerate(letters, start=1):
        mine = sorted(nodes.get(id_of(letter), []), key=id_of)
        if progress is not None:
            progress(index, len(letters))
        if (
            unit
            and rules
            and not any(
                rules.positions.get(n.position_id) and rules.positions[n.position_id].unit == unit
                for n in mine
            )
        ):
            continue
        open_nodes = [n for n in mine if n.state in OPEN]
        done = done_at.get(id_of(letter))
        row = {name: getattr(letter, name) for name in FIELD_NAMES}
        row |= {
            "agenda_number": letter.agenda_number,
            "received_at": office_moment(letter.received_at, zone).date(),
            "holder": ", ".join(f"{n.holder_title} ({n.holder_name})" for n in open_nodes),
            "status": letter.status,
            "done_at": office_moment(done, zone).date()
            if done and letter.status in (LetterStatus.DONE, LetterStatus.ARCHIVED)
            else None,
        }
        rows.append(row)
    return rows


# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection): a
# letter's subject or sender, written by anyone, must never run in the admin's spreadsheet.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text, never evaluates."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def agenda_bytes(rows: list[dict], fmt: str, title: str, word: Words) -> bytes:
    """The book as a file's bytes: JSON keeps the codes (for scripts); CSV and XLSX, read by
    people, carry the headings and statuses in the admin's language."""
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False, default=str).encode("utf-8")
    headings = [word(f"book.{key}") for key in COLUMNS]
    table = [[_cell(key, row[key], word) for key in COLUMNS] for row in rows]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(headings)
        writer.writerows([["" if v is None else inert(v) for v in line] for line in table])
        return buf.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8
    return _xlsx(headings, table, title)


def _cell(key: str, value: object, word: Words) -> object:
    return word(f"letter_status.{value}") if key == "status" else value


def _xlsx(headings: list[str], table: list[list[object]], title: str) -> bytes:
    """A sheet an admin can filter and print as it is: the header row frozen and filtered, each
    column as wide as its content, A4 landscape, every column on one page's width."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for line in table:
        sheet.append(line)
        for cell in sheet[sheet.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                cell.data_type = "s"  # stored as text: openpyxl would write "=..." as a formula
    for index, key in enumerate(COLUMNS):
        letter = get_column_letter(index + 1)
        if key in DATES:
            for cell in sheet[letter][1:]:
                cell.number_format = "DD/MM/YYYY"
            longest = 10
        else:
            longest = max((len(str(line[index])) for line in table if line[index] is not None), default=0)
        heading = max(len(part) for part in headings[index].split())  # a heading wraps between words
        sheet.column_dimensions[letter].width = min(WIDEST, max(NARROWEST, heading, longest) + 2)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the year needs
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"  # the headings on every printed page
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
