"""The pages: "Surat saya", the agenda book, a letter (its scan, tree and log, and the box to act
from), the office dashboard and the admin's page. Each checks the reader's scope (web/scope.py)."""

from __future__ import annotations

from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mailflow.app import App
from mailflow.disposition.tree import tree_rows
from mailflow.errors import RuleProblem, RulesError
from mailflow.inbound.release import ReleaseRefused, release_held
from mailflow.office.regency import load_regency
from mailflow.ops.health import snapshot, verdict
from mailflow.outbound.compose import letter_view
from mailflow.records.agenda_book import agenda_bytes, agenda_rows
from mailflow.storage.models import Event, Letter, LetterFile, QuarantineItem, utcnow
from mailflow.web.acting import act, own_node
from mailflow.web.lists import BookFilter, book_page, dashboard, waiting_for
from mailflow.web.pictures import tree_picture, week_chart
from mailflow.web.reader import Reader
from mailflow.web.scan_images import page_count, page_png
from mailflow.web.scope import letter_for, visible
from mailflow.web.site import Web

STATES = ("registered", "awaiting", "in_progress", "done", "archived")  # catalogue letter_status.*
URGENCIES = ("biasa", "segera", "sangat segera", "kilat")
EXPORTS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv",
           "json": "application/json"}  # fmt: skip


async def home(web: Web, request: Request) -> Response:
    return RedirectResponse("/surat" if web.reader(request) else "/sign-in", status_code=303)


async def mine(web: Web, request: Request) -> Response:
    reader = web.signed_in(request)
    with Session(web.app.engine) as session:
        rows = waiting_for(session, reader)
        views = [(w, letter_view(w.letter, web.app.settings.zone)) for w in rows]
    return web.page(request, "mine", reader, rows=views)


LARGEST = 2**31 - 1  # the largest id PostgreSQL's INTEGER holds: beyond it, nothing is found


def number(raw: str) -> int | None:
    """A path's or a query's whole number, or None: bounded before int(), so a 5,000-digit one costs
    nothing and never reaches the database (where it would overflow) or int()'s digit limit."""
    if not (raw.isascii() and raw.isdecimal()) or len(raw) > 10:
        return None
    value = int(raw)
    return value if value <= LARGEST else None


def _may_read_book(reader: Reader) -> bool:
    """The agenda book is for clerks, heads and whoever supervises someone (STATUS's scope)."""
    return reader.clerk or reader.head or reader.admin or bool(reader.held)


def _filter(request: Request) -> BookFilter:
    q = request.query_params
    page = q.get("page", "1")
    return BookFilter(
        search=q.get("q", "")[:200],
        state=q.get("state", "") if q.get("state", "") in STATES else "",
        urgency=q.get("urgency", "") if q.get("urgency", "") in URGENCIES else "",
        overdue=q.get("overdue") == "1",
        page=max(1, min(number(page) or 1, 10_000)),
    )


async def book(web: Web, request: Request) -> Response:
    reader = web.signed_in(request)
    if not _may_read_book(reader):
        raise HTTPException(404)
    wanted = _filter(request)
    with Session(web.app.engine) as session:
        letters, more = book_page(session, reader, wanted)
        views = [letter_view(letter, web.app.settings.zone) for letter in letters]
        ids = [letter.id for letter in letters]
    query = request.url.query
    return web.page(
        request, "book", reader, rows=list(zip(ids, views, letters, strict=True)), wanted=wanted, more=more,
        states=STATES, urgencies=URGENCIES, query=query, year=reader.today.year,
    )  # fmt: skip


async def book_export(web: Web, request: Request) -> Response:
    """The agenda book's own export (records/agenda_book.py), of the letters the reader may see."""
    reader = web.signed_in(request)
    fmt = request.query_params.get("format", "xlsx")
    year = number(request.query_params.get("year", ""))
    if not _may_read_book(reader) or fmt not in EXPORTS or year is None:
        raise HTTPException(404)
    app = web.app
    with Session(app.engine) as session:
        mine = set(
            session.exec(select(Letter.agenda_number).where(visible(reader), Letter.year == year)).all()
        )
    rows = [r for r in agenda_rows(app.engine, year, app.settings.zone, rules=reader.rules)
            if r["agenda_number"] in mine]  # fmt: skip
    composer = app.context(reader.office).composer
    data = agenda_bytes(rows, fmt, f"{reader.rules.office_name} {year}",
                        composer.catalogue.words(reader.language))  # fmt: skip
    name = f"agenda-{reader.office}-{year}.{fmt}"
    return Response(data, media_type=EXPORTS[fmt],
                    headers={"content-disposition": f'attachment; filename="{name}"'})  # fmt: skip


def _letter_or_404(session: Session, reader: Reader, request: Request) -> Letter:
    wanted = number(request.path_params["letter_id"])
    letter = letter_for(session, reader, wanted) if wanted is not None else None
    if letter is None:
        raise HTTPException(404)  # another office's, outside the scope, or none: all alike
    return letter


async def letter_page(web: Web, request: Request, shown: dict | None = None) -> Response:
    reader = web.signed_in(request)
    app = web.app
    with Session(app.engine) as session:
        letter = _letter_or_404(session, reader, request)
        files = session.exec(
            select(LetterFile).where(LetterFile.letter_id == letter.id).order_by(col(LetterFile.id))
        ).all()
        scans = [(f, page_count(app.archive, f)) for f in files if f.event_id is None]
        reports = [f for f in files if f.event_id is not None]
        tree = tree_rows(session, letter, reader.today)
        log = session.exec(
            select(Event).where(Event.letter_id == letter.id).order_by(col(Event.at), col(Event.id))
        ).all()
        own = own_node(session, reader, letter.id or 0)
        view = letter_view(letter, app.settings.zone)
    return web.page(
        request, "letter", reader, letter=letter, view=view, scans=scans, reports=reports,
        picture=tree_picture(tree, utcnow()), log=log, own=own,
        **(shown or {}),
    )  # fmt: skip


def _file_of(session: Session, letter: Letter, request: Request) -> LetterFile:
    wanted = number(request.path_params["file_id"])
    row = session.get(LetterFile, wanted) if wanted is not None else None
    if row is None or row.letter_id != letter.id:
        raise HTTPException(404)
    return row


async def letter_file(web: Web, request: Request) -> Response:
    reader = web.signed_in(request)
    with Session(web.app.engine) as session:
        letter = _letter_or_404(session, reader, request)
        row = _file_of(session, letter, request)
    data = web.app.archive.file(row.sha256)
    safe = "".join(c for c in row.filename if c.isalnum() or c in "._-") or "file"
    return Response(data, media_type=row.content_type if row.content_type == "application/pdf" else
                    "application/octet-stream",
                    headers={"content-disposition": f'attachment; filename="{safe}"'})  # fmt: skip


async def letter_page_image(web: Web, request: Request) -> Response:
    reader = web.signed_in(request)
    with Session(web.app.engine) as session:
        letter = _letter_or_404(session, reader, request)
        row = _file_of(session, letter, request)
    page = number(request.path_params["page"])
    png = await run_in_threadpool(page_png, web.app.archive, row, page) if page is not None else None
    if png is None:
        raise HTTPException(404)
    return Response(png, media_type="image/png")


async def letter_act(web: Web, request: Request) -> Response:
    reader = web.signed_in(request)
    form = await web.form(request)
    with Session(web.app.engine) as session:
        letter = _letter_or_404(session, reader, request)
    result = await run_in_threadpool(
        act, web.app, reader, letter.id or 0, form.get("text", "")[:5000],
        form.get("step") == "apply",
    )  # fmt: skip
    return await letter_page(web, request, {"acted": result, "text": form.get("text", "")})


async def office_dashboard(web: Web, request: Request) -> Response:
    """The head's: the office's letters, which they oversee, counted as they may open them. An
    admin who is not the head has the admin page (mailboxes, quarantine) and no dashboard: they
    open no letter from the book, so its counts would be of letters they may not see."""
    reader = web.signed_in(request)
    if not reader.head:
        raise HTTPException(404)
    with Session(web.app.engine) as session:
        board = dashboard(session, reader)
    return web.page(request, "dashboard", reader, board=board, chart=week_chart(board.weeks))


def _admin(web: Web, request: Request) -> Reader:
    reader = web.signed_in(request)
    if not reader.admin:
        raise HTTPException(404)
    return reader


def _ours(reader: Reader, app: App, problem: RuleProblem) -> bool:
    """A rules problem of the reader's office: in a regency, one in its own folder ("disdik/...");
    another office's, or the regency's shared files, are not an office admin's to see."""
    folder, tree = reader.rules.folder, app.settings.rules_dir
    if folder is None or folder.resolve() == tree.resolve():
        return True  # one office: every problem is its own
    own, whole = folder.resolve(), tree.resolve()
    return own.is_relative_to(whole) and problem.file.startswith(f"{own.relative_to(whole).as_posix()}/")


async def admin(web: Web, request: Request, released: str = "") -> Response:
    reader = _admin(web, request)
    app = web.app
    boxes = tuple(b.name for b in app.settings.mailboxes if app.office_of(b) == reader.office)
    health = snapshot(app.engine, app.settings)
    found = verdict(health, app.settings)
    with Session(app.engine) as session:
        held = session.exec(
            select(QuarantineItem)
            .where(QuarantineItem.office == reader.office, QuarantineItem.status == "held")
            .order_by(col(QuarantineItem.id))
            .limit(200)
        ).all()
    try:
        load_regency(app.settings.rules_dir)
        problems: list[str] = []
    except RulesError as exc:
        problems = [f"{p.file}:{p.line or ''}: {p.message}" for p in exc.problems if _ours(reader, app, p)]
    return web.page(
        request, "admin", reader, mailboxes=[m for m in health.mailboxes if m.name in boxes],
        state=found.of_mailboxes(boxes), findings=[f for f in found.findings if f.mailbox in (None, *boxes)],
        workers=health.workers, held=held, problems=problems, released=released,
    )  # fmt: skip


async def admin_release(web: Web, request: Request) -> Response:
    reader = _admin(web, request)
    await web.form(request)
    with Session(web.app.engine) as session:
        wanted = number(request.path_params["item_id"])
        item = session.get(QuarantineItem, wanted) if wanted is not None else None
    if item is None or item.office != reader.office:
        raise HTTPException(404)
    try:
        done = await run_in_threadpool(release_held, web.app, item, reader.address)
    except ReleaseRefused as exc:
        return await admin(web, request, released=str(exc))
    return await admin(web, request, released=done.agenda or done.outcome or "")


ROUTES = [
    ("/", "GET", home),
    ("/surat", "GET", mine),
    ("/book", "GET", book),
    ("/book/export", "GET", book_export),
    ("/letters/{letter_id}", "GET", letter_page),
    ("/letters/{letter_id}/act", "POST", letter_act),
    ("/letters/{letter_id}/files/{file_id}", "GET", letter_file),
    ("/letters/{letter_id}/files/{file_id}/pages/{page}.png", "GET", letter_page_image),
    ("/dashboard", "GET", office_dashboard),
    ("/admin", "GET", admin),
    ("/admin/quarantine/{item_id}/release", "POST", admin_release),
]
