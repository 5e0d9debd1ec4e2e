"""The disposition sheet (lembar disposisi) of one letter as a printable PDF, rendered from an HTML
template an admin can override and filled from the disposition log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.fonts import FontFace
from jinja2 import FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from mailflow.clock import office_moment, office_today
from mailflow.disposition.states import State
from mailflow.office.model import Rules
from mailflow.outbound.compose import BUILTIN_TEMPLATES, date_id, letter_view
from mailflow.storage.models import Disposition, Event, Letter

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
PAPER: dict[str, str | tuple[float, float]] = {
    "a4": "A4",
    "half-folio": (165.0, 215.0),
}  # half folio (F4 215 x 330 mm, halved)
# The sheet's narrow state column.
SHEET_STATE: dict[str, str] = {
    State.PENDING: "belum",
    State.ACKNOWLEDGED: "siap",
    State.IN_PROGRESS: "proses",
    State.DISPOSED: "diteruskan",
    State.COMPLETED: "selesai",
    State.ARCHIVED: "arsip",
    State.CANCELLED: "batal",
}


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
    zone: ZoneInfo,
    paper: str = "a4",
    templates: tuple[Path, ...] = (BUILTIN_TEMPLATES,),
    printed: dt.datetime | None = None,
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
    lines = [
        SheetLine(
            f"{n.holder_title} ({n.holder_name})",
            titles.get(n.disposer, "Mailflow"),
            n.instruction or "-",
            office_moment(n.created_at, zone).strftime("%d/%m/%y"),
            n.deadline.strftime("%d/%m/%y") if n.deadline else "-",
            SHEET_STATE.get(n.state, n.state),
        )
        for n in nodes
    ]
    view = letter_view(letter, zone)
    sifat = ", ".join(v for v in (letter.urgency, letter.security) if v) or "-"
    # The admin's sheet.html.j2 renders in the sandbox, as every template (outbound.compose).
    env = SandboxedEnvironment(loader=FileSystemLoader([str(t) for t in templates]), autoescape=True)
    html = env.get_template("sheet.html.j2").render(
        letter=view,
        lines=lines,
        notes="; ".join(notes),
        sifat=sifat.title(),
        office=rules.office_name,
        letterhead=list(rules.letterhead),
        received=date_id(office_moment(letter.received_at, zone).date()),
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
    pdf.cell(0, 5, f"Dicetak {office_today(zone, printed):%d/%m/%Y} oleh Mailflow", align="R")
    return bytes(pdf.output())
