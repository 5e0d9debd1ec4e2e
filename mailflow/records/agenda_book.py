"""The agenda book (buku agenda surat masuk): the registry of one year as a table an office files,
in XLSX, CSV or JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from mailflow.clock import office_moment
from mailflow.disposition.states import OPEN
from mailflow.domain import FIELD_NAMES
from mailflow.office.model import Rules
from mailflow.records.private import write_private
from mailflow.storage.models import Disposition, Event, Letter, id_of

COLUMNS = (
    ("agenda_number", "Nomor agenda", 14),
    ("received_at", "Tanggal terima", 14),
    ("sender", "Asal surat", 34),
    ("letter_number", "Nomor surat", 24),
    ("letter_date", "Tanggal surat", 14),
    ("subject", "Perihal", 44),
    ("attachment_count", "Lampiran", 9),
    ("urgency", "Sifat (kecepatan)", 14),
    ("security", "Sifat (keamanan)", 14),
    ("classification", "Klasifikasi", 12),
    ("holder", "Pemegang sekarang", 30),
    ("status", "Status", 12),
    ("done_at", "Tanggal selesai", 14),
    ("note", "Catatan", 30),
)


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
            if done and letter.status in ("done", "archived")
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


def write_agenda(rows: list[dict], fmt: str, path: Path, title: str) -> None:
    if fmt == "json":
        write_private(path, json.dumps(rows, indent=2, ensure_ascii=False, default=str).encode())
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow([label for _, label, _ in COLUMNS])
        for row in rows:
            writer.writerow(["" if row[key] is None else inert(row[key]) for key, _, _ in COLUMNS])
        write_private(path, buf.getvalue().encode("utf-8-sig"))  # the BOM makes Excel read UTF-8
    else:
        book = Workbook()
        sheet = book.active
        sheet.title = title[:31]
        sheet.append([label for _, label, _ in COLUMNS])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in rows:
            sheet.append([row[key] for key, _, _ in COLUMNS])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    cell.data_type = "s"  # stored as text: openpyxl would write "=..." as a formula
        for index, (key, _, width) in enumerate(COLUMNS, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = width
            if key in ("received_at", "letter_date", "done_at"):
                for cell in sheet[letter][1:]:
                    cell.number_format = "DD/MM/YYYY"
        sheet.freeze_panes = "A2"
        data = io.BytesIO()
        book.save(data)
        write_private(path, data.getvalue())
