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

from mailflow.cli.base import CliState, cli, console, json_option, pass_obj, show
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
@json_option
@pass_obj
def letters_cmd(
    obj: CliState, year: int | None, status: str | None, holder: str | None, overdue: bool, as_json: bool
) -> None:
    """The registry (buku agenda)."""
    today = dt.datetime.now(obj.settings.zone).date()
    rows = letters(obj.app.engine, today, year, status, holder, overdue)
    show(rows, as_json, lambda: _registry_table(rows))


def _registry_table(rows: list[dict]) -> Table:
    table = Table(title="Buku agenda surat masuk")
    table.add_column(
        "Agenda", no_wrap=True, min_width=max((len(r["agenda_number"]) for r in rows), default=6)
    )
    for column in ("Diterima", "Asal surat", "Perihal", "Pemegang", "Status"):
        table.add_column(column)
    for r in rows:
        holders = ", ".join(h["title"] for h in r["holders"]) or "-"
        mark = " [bold red]TERLAMBAT[/bold red]" if r["overdue"] else ""
        style = STATUS_STYLE.get(r["status"], "white")
        received = (r["received_at"] or "")[:10]
        table.add_row(
            escape(r["agenda_number"]),
            escape(received),
            escape(r["sender"] or "?"),
            escape(r["subject"] or "?"),
            escape(holders),
            f"[{style}]{escape(r['status'])}[/{style}]{mark}",
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
    show(record, as_json, lambda: _letter_view(record))


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


def _letter_view(record: dict) -> Group:
    lines: list[RenderableType] = [
        f"[bold]{escape(record['agenda_number'])}[/bold]  {escape(record['subject'] or '(no subject)')}"
    ]
    for key in FIELDS_SHOWN:
        value = escape(str(record[key])) if record[key] is not None else "[dim]unknown[/dim]"
        lines.append(f"  {key:<17} {value}")
    for f in record["attachments"]:
        lines.append(
            f"  file              {escape(f['filename'])} ({escape(f['content_type'])}, {f['size']} B)"
        )
    if record["dispositions"]:
        lines.append(_tree(record["dispositions"]))
    lines.append("  log:")
    for e in record["log"]:
        targets = escape(f" -> {', '.join(e['targets'])}") if e["targets"] else ""
        action, actor, text = escape(f"{e['action']:<13}"), escape(e["actor"]), escape(e["text"])
        lines.append(f"    {e['at'][:19]}  {action} {actor}{targets}  {text}")
    return Group(*lines)


def _tree(nodes: list[dict]) -> Tree:
    tree = Tree("[bold]Disposisi[/bold]")
    branches: dict[int | None, Tree] = {None: tree}
    for n in nodes:
        style = {"completed": "green", "archived": "dim", "cancelled": "strike dim", "disposed": "cyan"}.get(
            n["state"], "yellow"
        )
        deadline = escape(f", batas {n['deadline']}") if n["deadline"] else ""
        label = (
            f"[{style}]{escape(n['title'])} ({escape(n['name'])}): {escape(n['state'])}[/{style}]"
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
