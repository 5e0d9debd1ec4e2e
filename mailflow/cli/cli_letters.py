"""The registry as people read it: `letters`, `letter show`, `export` and `sheet`."""

from __future__ import annotations

import datetime as dt
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Group, RenderableType
from rich.progress import Progress
from rich.table import Table
from rich.tree import Tree

from mailflow.cli.base import (
    CliState,
    cli,
    column_widths,
    decision,
    err_console,
    escape,
    fields_grid,
    indented,
    json_option,
    local_time,
    longest_line,
    longest_word,
    narrow,
    office_option,
    pass_obj,
    show,
)
from mailflow.records.private import write_private

if TYPE_CHECKING:
    from sqlmodel import Session

    from mailflow.storage.models import Letter

# Each LetterStatus's value (storage.models, which --help does not import; tests/test_cli_start.py
# checks the two agree).
STATUS_STYLE = {
    "registered": "white",
    "awaiting": "yellow",
    "in_progress": "cyan",
    "done": "green",
    "archived": "dim",
}


@cli.command("letters")
@click.option("--year", type=int)
@click.option("--status", type=click.Choice(sorted(STATUS_STYLE)))
@click.option("--holder", help="letters waiting on this official (email address)")
@click.option("--overdue", is_flag=True, help="only letters with an instruction past its deadline")
@click.option(
    "--search", default="", metavar="WORDS", help="letters whose fields or scanned text hold every word"
)
@office_option
@json_option
@pass_obj
def letters_cmd(
    obj: CliState,
    year: int | None,
    status: str | None,
    holder: str | None,
    overdue: bool,
    search: str,
    office: str | None,
    as_json: bool,
) -> None:
    """The registry (buku agenda); in a regency, every office's unless --office names one."""
    from mailflow.registry.queries import letters

    today = dt.datetime.now(obj.settings.zone).date()
    rows = letters(obj.app.engine, today, year, status, holder, overdue, search, obj.offices(office))
    show(rows, as_json, lambda: _registry_table(obj, rows, office is None and len(obj.offices(None)) > 1))


def _registry_table(obj: CliState, rows: list[dict], offices: bool) -> RenderableType:
    """A table when every column fits its longest word; on a narrower terminal, each letter as
    a block, its sender and subject on their own lines. No word is cut either way."""
    word = obj.word
    shown = [_registry_row(obj, r, offices) for r in rows]
    keys = ("sender", "subject", "holder")
    headings = [
        *([word("cli.office")] if offices else []),
        word("cli.agenda"),
        word("cli.received"),
        *(word(f"cli.{key}") for key in keys),
        word("cli.status"),
    ]
    cells = [
        [
            *([r["office"]] if offices else []),
            r["agenda_number"],
            local_time(r["received_at"], obj.settings.zone),
            r["sender"] or "?",
            r["subject"] or "?",
            _holders(r),
            obj.coded("letter_status", r["status"]) + (f" {word('cli.overdue')}" if r["overdue"] else ""),
        ]
        for r in rows
    ]
    columns = list(zip(headings, *cells, strict=True))
    widths = column_widths([longest_word(*c) for c in columns], [longest_line(*c) for c in columns])
    if widths is None:
        blocks: list[RenderableType] = [f"[bold]{escape(word('cli.registry'))}[/bold]"]
        for head, values in shown:
            grid = fields_grid()
            for key, value in zip(keys, values, strict=True):
                grid.add_row(escape(word(f"cli.{key}")), value)
            blocks += [head, indented(grid)]
        return Group(*blocks)
    table = Table(title=word("cli.registry"))
    for heading, width in zip(headings, widths, strict=True):
        table.add_column(heading, width=width, overflow="fold")  # wrapped between words: none is cut
    for r, (_, values) in zip(rows, shown, strict=True):
        table.add_row(
            *([escape(r["office"])] if offices else []),
            escape(r["agenda_number"]),
            escape(local_time(r["received_at"], obj.settings.zone)),
            *values,
            _status(obj, r),
        )
    return table


def _holders(r: dict) -> str:
    return ", ".join(h["title"] for h in r["holders"]) or "-"


def _registry_row(obj: CliState, r: dict, offices: bool) -> tuple[str, tuple[str, str, str]]:
    """A letter's heading line (for the stacked view) and its sender, subject and holders."""
    where = f"{escape(r['office'])} " if offices else ""
    received = escape(local_time(r["received_at"], obj.settings.zone))
    head = f"{where}[bold]{escape(r['agenda_number'])}[/bold]  {received}  {_status(obj, r)}"
    return head, (escape(r["sender"] or "?"), escape(r["subject"] or "?"), escape(_holders(r)))


def _status(obj: CliState, r: dict) -> str:
    mark = f" [bold red]{escape(obj.word('cli.overdue'))}[/bold red]" if r["overdue"] else ""
    style = STATUS_STYLE.get(r["status"], "white")
    return f"[{style}]{escape(obj.coded('letter_status', r['status']))}[/{style}]{mark}"


@cli.group()
def letter() -> None:
    """One letter."""


def _one_letter(obj: CliState, session: Session, agenda: str, office: str | None) -> Letter:
    """The letter of `agenda` in the office's book; a number several books hold needs --office."""
    from mailflow.registry.queries import find_letter

    offices = obj.offices(office)
    found = [f for code in offices if (f := find_letter(session, agenda, [code])) is not None]
    if not found:
        where = f" in the book of {office}" if office else ""
        raise click.ClickException(f"no letter with agenda number {agenda}{where}")
    if len(found) > 1:
        books = ", ".join(f.office for f in found)
        raise click.ClickException(f"agenda number {agenda} is in the books of {books}: add --office CODE")
    return found[0]


@letter.command("show")
@click.argument("agenda")
@office_option
@json_option
@pass_obj
def letter_show(obj: CliState, agenda: str, office: str | None, as_json: bool) -> None:
    """A letter with its registry fields, files and log."""
    from sqlmodel import Session

    from mailflow.registry.queries import letter_record

    with Session(obj.app.engine) as session:
        record = letter_record(session, _one_letter(obj, session, agenda, office))
    show(record, as_json, lambda: _letter_view(obj, record))


FIELDS_SHOWN = (
    "sender",
    "letter_number",
    "letter_date",
    "received_at",
    "urgency",
    "security",
    "classification",
    "attachment_count",
    "note",
    "status",
)


def _letter_view(obj: CliState, record: dict) -> Group:
    """Fields and log in grids: a long value wraps under itself, never back to column 0."""
    word, zone = obj.word, obj.settings.zone
    subject = record["subject"] or word("cli.no_subject")
    lines: list[RenderableType] = [f"[bold]{escape(record['agenda_number'])}[/bold]  {escape(subject)}"]
    fields = fields_grid()
    for key in FIELDS_SHOWN:
        value = record[key]
        if key == "received_at":
            value = local_time(value, zone)
        elif key == "status" and value in STATUS_STYLE:
            value = word(f"letter_status.{value}")
        shown = escape(str(value)) if value is not None else f"[dim]{escape(word('cli.unknown'))}[/dim]"
        fields.add_row(escape(word(f"field.{key}")), shown)
    for key, entry in [("origin", record["origin"]), *(("passed_to", e) for e in record["passed_to"])]:
        if entry:
            about = f"{entry['office']} {entry['agenda_number']} ({word('letter_status.' + entry['status'])})"
            fields.add_row(escape(word("cli." + key)), escape(about))
    for f in record["attachments"]:
        about = f"{f['filename']} ({f['content_type']}, {f['size']} B)"
        fields.add_row(escape(word("cli.file")), escape(about))
    lines.append(indented(fields))
    if record["dispositions"]:
        lines.append(_tree(obj, record["dispositions"]))
    if record["inbound"]:  # each email that acted on it, and the check that let it
        lines.append(f"  {escape(word('cli.inbound'))}:")
        mails = Table.grid(padding=(0, 2), pad_edge=False)
        mails.add_column(no_wrap=True)
        mails.add_column(overflow="fold")
        for m in record["inbound"]:
            outcome = obj.coded("outcome", m["outcome"])
            mails.add_row(escape(local_time(m["seen_at"], zone)), escape(f"{outcome}: {decision(m)}"))
        lines.append(indented(mails, 4))
    lines.append(f"  {escape(word('cli.log'))}:")
    log = Table.grid(padding=(0, 2), pad_edge=False)
    log.add_column(no_wrap=True)  # the time
    if narrow():  # what happened and who under the time, as wide as the terminal
        log.add_column(overflow="fold")
    else:
        log.add_column(no_wrap=True)
        log.add_column(overflow="fold")
    from mailflow.registry.log_words import Entry, entry_words

    language = obj.settings.admin_language
    say, known = partial(obj.catalogue.say, language), obj.catalogue.keys(language)
    for e in record["log"]:
        action = escape(obj.coded("action", e["action"]))
        deadline = dt.date.fromisoformat(e["deadline"]) if e["deadline"] else None
        entry = Entry(e["action"], e["targets"], e["instruction"], deadline, e["text"], e["facts"])
        words = entry_words(entry, say, known)
        detail = escape(e["actor"]) + (f"  {escape('; '.join(words))}" if words else "")
        when = escape(local_time(e["at"], zone))
        if narrow():
            log.add_row(when, f"[bold]{action}[/bold]")
            log.add_row("", detail)
        else:
            log.add_row(when, action, detail)
    lines.append(indented(log, 4))
    return Group(*lines)


def _tree(obj: CliState, nodes: list[dict]) -> Tree:
    word = obj.word
    tree = Tree(f"[bold]{escape(word('cli.dispositions'))}[/bold]")
    branches: dict[int | None, Tree] = {None: tree}
    for n in nodes:
        style = {"completed": "green", "archived": "dim", "cancelled": "strike dim", "disposed": "cyan"}.get(
            n["state"], "yellow"
        )
        deadline = escape(", " + word("cli.deadline", date=n["deadline"])) if n["deadline"] else ""
        state = word(f"state.{n['state']}")
        label = (
            f"[{style}]{escape(n['title'])} ({escape(n['name'])}): {escape(state)}[/{style}]"
            f"{': ' + escape(n['instruction']) if n['instruction'] else ''}{deadline}"
        )
        branches[n["id"]] = branches.get(n["parent"], tree).add(label)
    return tree


# `-o -`: the file goes to standard output, for a pipe (`mailflow export -o - | ssh ...`).
STDOUT = Path("-")


def _write(output: Path, data: bytes) -> None:
    if output == STDOUT:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_private(output, data)  # a rahasia letter's entry too: the owner's alone


# The book's format follows the file's suffix unless --format names it; a suffix naming another
# format is refused, so book.csv never holds a workbook.
EXPORT_FORMATS = {".xlsx": "xlsx", ".csv": "csv", ".json": "json"}


def _export_format(obj: CliState, fmt: str | None, output: Path) -> str:
    """--format, else the suffix's format (xlsx for any other). A workbook's bytes go down a pipe
    but never onto a terminal, where they are noise (as gzip refuses)."""
    if output == STDOUT:
        if (fmt or "xlsx") == "xlsx" and sys.stdout.isatty():
            raise click.BadParameter(obj.word("book.terminal"), param_hint="-o")
        return fmt or "xlsx"
    named = EXPORT_FORMATS.get(output.suffix.lower())
    if fmt is not None and named is not None and named != fmt:
        raise click.BadParameter(obj.word("book.suffix", file=output.name, format=fmt), param_hint="-o")
    return fmt or named or "xlsx"


@cli.command("export")
@click.option("--year", type=int, help="default: this year, in the office's time zone")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(EXPORT_FORMATS.values())),
    help="default: the file's suffix (.xlsx, .csv, .json; else xlsx)",
)
@click.option("--unit", help="only letters disposed within this unit (rules/organisation.toml)")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="a file, or - for standard output",
)
@office_option
@pass_obj
def export_cmd(
    obj: CliState, year: int | None, fmt: str | None, unit: str | None, output: Path, office: str | None
) -> None:
    """The agenda book (buku agenda) of a year: one office's (--office), which a regency needs."""
    fmt = _export_format(obj, fmt, output)
    offices = obj.offices(office)
    if len(offices) > 1:
        raise click.UsageError(f"each office keeps its own agenda book: add --office ({', '.join(offices)})")
    from mailflow.records.agenda_book import agenda_bytes, agenda_rows

    year = year or dt.datetime.now(obj.settings.zone).year
    to_stdout = output == STDOUT
    with Progress(console=err_console, transient=True, disable=not err_console.is_terminal) as bar:
        task = bar.add_task(obj.word("book.title", year=year), total=None)
        rows = agenda_rows(
            obj.app.engine,
            year,
            obj.settings.zone,
            unit,
            obj.app.office_rules(offices[0]),
            lambda done, total: bar.update(task, completed=done, total=total),
        )
        data = agenda_bytes(rows, fmt, obj.word("book.title", year=year), obj.word)
    _write(output, data)
    done = obj.word("cli.exported", output="-" if to_stdout else output, n=len(rows), year=year)
    click.echo(done, err=to_stdout)  # stdout carries the book itself


# The sheet's format follows the file's suffix; anything else is refused, never mislabelled.
SHEET_FORMATS = (".pdf", ".html")


@cli.command("sheet")
@click.argument("agenda")
@click.option("--paper", type=click.Choice(["a4", "half-folio"]), default="a4")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="FILE.pdf or FILE.html (the format follows the suffix)",
)
@office_option
@pass_obj
def sheet_cmd(obj: CliState, agenda: str, paper: str, output: Path, office: str | None) -> None:
    """The disposition sheet (lembar disposisi) of one letter, as a PDF or an HTML page."""
    from sqlmodel import Session

    from mailflow.outbound.compose import BUILTIN_TEMPLATES
    from mailflow.records.sheet import sheet_html, sheet_pdf

    suffix = output.suffix.lower()
    if suffix not in SHEET_FORMATS:
        raise click.BadParameter(obj.word("sheet.suffix", file=output.name), param_hint="-o")
    with Session(obj.app.engine) as session:
        found = _one_letter(obj, session, agenda, office)
    templates = tuple(dict.fromkeys((obj.settings.templates_dir, BUILTIN_TEMPLATES)))
    rules = obj.app.office_rules(found.office)
    make = sheet_pdf if suffix == ".pdf" else sheet_html
    write_private(output, make(obj.app.engine, found, rules, obj.settings.zone, paper, templates))
    click.echo(obj.word("sheet.written", file=output, agenda=found.agenda_number))
