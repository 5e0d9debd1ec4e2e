"""The records an office must keep, made from the registry: the agenda book (buku agenda) as
XLSX, CSV or JSON, and the disposition sheet (lembar disposisi) as a PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace
from jinja2 import Environment, FileSystemLoader
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from mailflow.domain import FIELD_NAMES
from mailflow.office.rules import Rules
from mailflow.outbound.compose import BUILTIN_TEMPLATES, LetterView, date_id
from mailflow.storage.models import Disposition, Event, Letter

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
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
PAPER = {"a4": "A4", "half-folio": (165.0, 215.0)}  # half folio (F4 215 x 330 mm, halved)


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
    with Session(engine) as session:
        letters = session.exec(select(Letter).where(Letter.year == year).order_by(col(Letter.seq))).all()
        ids = select(Letter.id).where(Letter.year == year)  # a subquery: no limit on bound parameters
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
        mine = sorted(nodes.get(letter.id, []), key=lambda n: n.id)
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
        open_nodes = [n for n in mine if n.state in ("pending", "acknowledged", "in_progress")]
        done = done_at.get(letter.id)
        row = {name: getattr(letter, name) for name in FIELD_NAMES}
        row |= {
            "agenda_number": letter.agenda_number,
            "received_at": letter.received_at.astimezone(zone).date(),
            "holder": ", ".join(f"{n.holder_title} ({n.holder_name})" for n in open_nodes),
            "status": letter.status,
            "done_at": done.astimezone(zone).date()
            if done and letter.status in ("done", "archived")
            else None,
        }
        rows.append(row)
    return rows


def write_agenda(rows: list[dict], fmt: str, path: Path, title: str) -> None:
    if fmt == "json":
        path.write_text(json.dumps(rows, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow([label for _, label, _ in COLUMNS])
        for row in rows:
            writer.writerow(["" if row[key] is None else row[key] for key, _, _ in COLUMNS])
        path.write_text(buf.getvalue(), encoding="utf-8-sig")  # the BOM makes Excel read UTF-8
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
        for index, (key, _, width) in enumerate(COLUMNS, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = width
            if key in ("received_at", "letter_date", "done_at"):
                for cell in sheet[letter][1:]:
                    cell.number_format = "DD/MM/YYYY"
        sheet.freeze_panes = "A2"
        book.save(path)


@dataclass(frozen=True)
class SheetLine:
    to: str
    by: str
    instruction: str
    date: str
    deadline: str
    state: str


def sheet_pdf(
    engine: Engine,
    letter: Letter,
    rules: Rules,
    zone,
    paper: str = "a4",
    templates: tuple[Path, ...] = (BUILTIN_TEMPLATES,),
) -> bytes:
    """The lembar disposisi of domain reference §2.1, filled from the log (Plt./Plh. shown)."""
    with Session(engine) as session:
        nodes = session.exec(
            select(Disposition).where(Disposition.letter_id == letter.id).order_by(col(Disposition.id))
        ).all()
        titles = {n.holder: f"{n.holder_title} ({n.holder_name})" for n in nodes}
        notes = session.exec(
            select(Event.text).where(Event.letter_id == letter.id, Event.action == "noted")
        ).all()
    state_text = {
        "pending": "belum",
        "acknowledged": "siap",
        "in_progress": "proses",
        "disposed": "diteruskan",
        "completed": "selesai",
        "archived": "arsip",
        "cancelled": "batal",
    }
    lines = [
        SheetLine(
            f"{n.holder_title} ({n.holder_name})",
            titles.get(n.disposer, "Mailflow"),
            n.instruction or "-",
            n.created_at.astimezone(zone).strftime("%d/%m/%y"),
            n.deadline.strftime("%d/%m/%y") if n.deadline else "-",
            state_text.get(n.state, n.state),
        )
        for n in nodes
    ]
    view = LetterView(
        letter.agenda_number,
        letter.subject_tag,
        letter.received_at,
        {name: getattr(letter, name) for name in FIELD_NAMES},
    )
    sifat = ", ".join(v for v in (letter.urgency, letter.security) if v) or "-"
    env = Environment(loader=FileSystemLoader([str(t) for t in templates]), autoescape=True)
    html = env.get_template("sheet.html.j2").render(
        letter=view,
        lines=lines,
        notes="; ".join(notes),
        sifat=sifat.title(),
        office=rules.office_name,
        letterhead=list(rules.letterhead),
        received=date_id(letter.received_at.astimezone(zone).date()),
    )
    pdf = FPDF(format=PAPER.get(paper, "A4"))
    pdf.set_margins(12, 10, 12)
    pdf.add_page()
    if DEJAVU.exists():
        pdf.add_font("DejaVu", fname=str(DEJAVU))
        pdf.add_font("DejaVu", style="B", fname=str(DEJAVU.with_name("DejaVuSans-Bold.ttf")))
        pdf.set_font("DejaVu", size=9)
    else:  # the core fonts know Latin-1 only
        html = html.encode("latin-1", "replace").decode("latin-1")
        pdf.set_font("Helvetica", size=9)
    black = {
        tag: FontFace(color=(0, 0, 0), size_pt=size, emphasis="BOLD")
        for tag, size in (("h1", 15), ("h2", 12), ("h3", 10))
    }
    pdf.write_html(html, font_family=pdf.font_family, tag_styles=black)
    pdf.set_y(-40)
    pdf.cell(0, 5, f"Dicetak {dt.date.today():%d/%m/%Y} oleh Mailflow", align="R")
    return bytes(pdf.output())
