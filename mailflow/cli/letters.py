"""The registry as people read it: `letters`, `letter show`, `export` and `sheet`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from rich.console import Group, RenderableType
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table
from rich.tree import Tree
from sqlmodel import Session

from mailflow.cli.base import CliState, cli, console, json_option, local_time, pass_obj, show
from mailflow.outbound.compose import BUILTIN_TEMPLATES
from mailflow.registry.queries import find_letter, letter_record, letters

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
@json_option
@pass_obj
def letters_cmd(
    obj: CliState,
    year: int | None,
    status: str | None,
    holder: str | None,
    overdue: bool,
    search: str,
    as_json: bool,
) -> None:
    """The registry (buku agenda)."""
    today = dt.datetime.now(obj.settings.zone).date()
    rows = letters(obj.app.engine, today, year, status, holder, overdue, search)
    show(rows, as_json, lambda: _registry_table(obj, rows))


def _registry_table(obj: CliState, rows: list[dict]) -> Table:
    word = obj.word
    table = Table(title=word("cli.registry"))
    # An agenda number is never cut: it is how clerks find the paper letter.
    width = max((len(r["agenda_number"]) for r in rows), default=6)
    table.add_column(word("cli.agenda"), no_wrap=True, min_width=width, overflow="fold")
    for column in ("received", "sender", "subject", "holder", "status"):
        table.add_column(word(f"cli.{column}"))
    for r in rows:
        holders = ", ".join(h["title"] for h in r["holders"]) or "-"
        mark = f" [bold red]{escape(word('cli.overdue'))}[/bold red]" if r["overdue"] else ""
        style = STATUS_STYLE.get(r["status"], "white")
        status = word(f"letter_status.{r['status']}") if r["status"] in STATUS_STYLE else r["status"]
        table.add_row(
            escape(r["agenda_number"]),
            escape(local_time(r["received_at"], obj.settings.zone)),
            escape(r["sender"] or "?"),
            escape(r["subject"] or "?"),
            escape(holders),
            f"[{style}]{escape(status)}[/{style}]{mark}",
        )
    return table


@cli.group()
def letter() -> None:
    """One letter."""


@letter.command("show")
@click.argument("agenda")
@json_option
@pass_obj
def letter_show(obj: CliState, agenda: str, as_json: bool) -> None:
    """A letter with its registry fields, files and log."""
    with Session(obj.app.engine) as session:
        found = find_letter(session, agenda)
        if found is None:
            raise click.ClickException(f"no letter with agenda number {agenda}")
        record = letter_record(session, found)
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
    word, zone = obj.word, obj.settings.zone
    subject = record["subject"] or word("cli.no_subject")
    lines: list[RenderableType] = [f"[bold]{escape(record['agenda_number'])}[/bold]  {escape(subject)}"]
    for key in FIELDS_SHOWN:
        value = record[key]
        if key == "received_at":
            value = local_time(value, zone)
        elif key == "status" and value in STATUS_STYLE:
            value = word(f"letter_status.{value}")
        shown = escape(str(value)) if value is not None else f"[dim]{escape(word('cli.unknown'))}[/dim]"
        lines.append(f"  {escape(word(f'field.{key}')):<20} {shown}")
    for f in record["attachments"]:
        about = f"{f['filename']} ({f['content_type']}, {f['size']} B)"
        lines.append(f"  {escape(word('cli.file')):<20} {escape(about)}")
    if record["dispositions"]:
        lines.append(_tree(obj, record["dispositions"]))
    lines.append(f"  {escape(word('cli.log'))}:")
    for e in record["log"]:
        targets = escape(f" -> {', '.join(e['targets'])}") if e["targets"] else ""
        known = obj.has_word(f"action.{e['action']}")
        action = escape(f"{word('action.' + e['action']) if known else e['action']:<22}")
        actor, text = escape(e["actor"]), escape(e["text"])
        lines.append(f"    {escape(local_time(e['at'], zone))}  {action} {actor}{targets}  {text}")
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


@cli.command("export")
@click.option("--year", type=int, required=True)
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "json"]), default="xlsx")
@click.option("--unit", help="only letters disposed within this unit (rules/organisation.toml)")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True)
@pass_obj
def export_cmd(obj: CliState, year: int, fmt: str, unit: str | None, output: Path) -> None:
    """The agenda book (buku agenda) of a year."""
    from mailflow.records.agenda_book import agenda_rows, write_agenda

    with Progress(console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task(f"buku agenda {year}", total=None)
        rows = agenda_rows(
            obj.app.engine,
            year,
            obj.settings.zone,
            unit,
            obj.app.rules.get(),
            lambda done, total: bar.update(task, completed=done, total=total),
        )
        bar.update(task, description=f"writing {output.name}")
        write_agenda(rows, fmt, output, f"Buku agenda {year}")
    click.echo(f"{output}: {len(rows)} letters of {year}")


@cli.command("sheet")
@click.argument("agenda")
@click.option("--paper", type=click.Choice(["a4", "half-folio"]), default="a4")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True)
@pass_obj
def sheet_cmd(obj: CliState, agenda: str, paper: str, output: Path) -> None:
    """The disposition sheet (lembar disposisi) of one letter, as a PDF."""
    from mailflow.records.sheet import sheet_pdf

    with Session(obj.app.engine) as session:
        found = find_letter(session, agenda)
    if found is None:
        raise click.ClickException(f"no letter with agenda number {agenda}")
    templates = tuple(dict.fromkeys((obj.settings.templates_dir, BUILTIN_TEMPLATES)))
    output.write_bytes(
        sheet_pdf(obj.app.engine, found, obj.app.rules.get(), obj.settings.zone, paper, templates)
    )
    click.echo(f"{output}: lembar disposisi {found.agenda_number}")
