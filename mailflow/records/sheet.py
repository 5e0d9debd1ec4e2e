"""The disposition sheet (lembar disposisi) of one letter as a printable PDF, rendered from an HTML
template an admin can override and filled from the disposition log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.fonts import FontFace
from jinja2 import Environment, FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from mailflow.clock import office_moment, office_today
from mailflow.disposition.states import State
from mailflow.office.model import Rules
from mailflow.outbound.compose import BUILTIN_TEMPLATES, LetterView, date_id, letter_view
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
# The disposition table's columns (to, by, instruction, date, deadline, state): their usual shares
# of the width, and how the width left after the longest words is shared (names and instructions
# wrap; dates and states need no more than their word).
SHARES: tuple[float, ...] = (24, 21, 23, 10, 10, 12)
GROW: tuple[float, ...] = (24, 21, 23, 0, 0, 0)


@dataclass(frozen=True)
class SheetLine:
    to: str
    by: str
    instruction: str
    date: str
    deadline: str
    state: str


@dataclass(frozen=True)
class SheetView:
    """What the sheet template is given (templates/sheet.html.j2)."""

    letter: LetterView
    lines: list[SheetLine]
    notes: str
    sifat: str
    office: str
    letterhead: list[str]
    received: str
    # The disposition table's column widths in percent, each fitting its longest word.
    widths: tuple[float, ...] = SHARES

    def render(self, env: Environment, name: str) -> str:
        return env.get_template(name).render({f.name: getattr(self, f.name) for f in fields(self)})


def sheet_view(engine: Engine, letter: Letter, rules: Rules, zone: ZoneInfo) -> SheetView:
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
    sifat = ", ".join(v for v in (letter.urgency, letter.security) if v) or "-"
    return SheetView(
        letter_view(letter, zone),
        lines,
        "; ".join(notes),
        sifat.title(),
        rules.office_name,
        list(rules.letterhead),
        date_id(office_moment(letter.received_at, zone).date()),
    )


def _environment(templates: tuple[Path, ...]) -> Environment:
    """The admin's sheet.html.j2 renders in the sandbox, as every template (outbound.compose)."""
    return SandboxedEnvironment(loader=FileSystemLoader([str(t) for t in templates]), autoescape=True)


def sheet_html(
    engine: Engine,
    letter: Letter,
    rules: Rules,
    zone: ZoneInfo,
    paper: str = "a4",
    templates: tuple[Path, ...] = (BUILTIN_TEMPLATES,),
) -> bytes:
    """The same sheet as a web page (templates/sheet_page.html.j2 around sheet.html.j2), for a
    browser to print; the paper size goes into its @page rule."""
    view = sheet_view(engine, letter, rules, zone)
    size = PAPER.get(paper, "A4")
    page = size if isinstance(size, str) else f"{size[0]:g}mm {size[1]:g}mm"
    env = _environment(templates)
    body = view.render(env, "sheet.html.j2")
    return env.get_template("sheet_page.html.j2").render(body=Markup(body), page=page, view=view).encode()


def sheet_pdf(
    engine: Engine,
    letter: Letter,
    rules: Rules,
    zone: ZoneInfo,
    paper: str = "a4",
    templates: tuple[Path, ...] = (BUILTIN_TEMPLATES,),
    printed: dt.datetime | None = None,
) -> bytes:
    """The sheet as a PDF (fpdf2 draws the HTML); the disposition table's columns are sized so
    that no word is split, even on half folio."""
    view = sheet_view(engine, letter, rules, zone)
    pdf = FPDF(format=PAPER.get(paper, "A4"))
    pdf.set_margins(12, 10, 12)
    pdf.add_page()
    unicode = DEJAVU.exists()
    if unicode:
        pdf.add_font("DejaVu", fname=str(DEJAVU))
        pdf.add_font("DejaVu", style="B", fname=str(DEJAVU.with_name("DejaVuSans-Bold.ttf")))
        pdf.set_font("DejaVu", size=9)
    else:  # the core fonts know Latin-1 only
        pdf.set_font("Helvetica", size=9)
    env = _environment(templates)
    html = fitted(view, env, pdf).render(env, "sheet.html.j2")
    if not unicode:
        html = html.encode("latin-1", "replace").decode("latin-1")
    black = {
        tag: FontFace(color=(0, 0, 0), size_pt=size, emphasis="BOLD")
        for tag, size in (("h1", 15), ("h2", 12), ("h3", 10))
    }
    pdf.write_html(html, font_family=pdf.font_family, tag_styles=black)
    pdf.set_y(-40)
    pdf.cell(0, 5, f"Dicetak {office_today(zone, printed):%d/%m/%Y} oleh Mailflow", align="R")
    return bytes(pdf.output())


def fitted(view: SheetView, env: Environment, pdf: FPDF) -> SheetView:
    """`view` with column widths where each column's longest word fits on one line (headings in
    bold); what is left goes to the names and the instruction (GROW).

    The words are measured in the template as rendered, so an admin's own headings fit too."""
    cells = _Cells()
    cells.feed(view.render(env, "sheet.html.j2"))
    table = next((t for t in reversed(cells.tables) if len(t) == len(SHARES)), None)
    if table is None:  # an admin's template without the six-column table
        return view
    slack = 2 * pdf.c_margin + 1.0  # the cell's own margins and its borders
    family, size = pdf.font_family, pdf.font_size_pt
    need = []
    for column in range(len(SHARES)):
        widest = 0.0
        for bold, text in table[column]:
            pdf.set_font(family, "B" if bold else "", size)
            widest = max([widest, *(pdf.get_string_width(word) for word in text.split())])
        need.append(widest + slack)
    pdf.set_font(family, "", size)
    spare = max(0.0, pdf.epw - sum(need))
    widths = [n + spare * share / sum(GROW) for n, share in zip(need, GROW, strict=True)]
    return replace(view, widths=tuple(round(100 * w / sum(widths), 2) for w in widths))


class _Cells(HTMLParser):
    """The text of each cell of each table, by column: (is a heading, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[int, list[tuple[bool, str]]]] = []
        self._column = 0
        self._cell: tuple[bool, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append({})
        elif tag == "tr":
            self._column = 0
        elif tag in ("td", "th"):
            self._cell = (tag == "th", [])

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables:
            self.tables[-1].setdefault(self._column, []).append((self._cell[0], "".join(self._cell[1])))
            self._column += 1
            self._cell = None
