"""`mailflow offices`: the offices one service serves."""

from __future__ import annotations

import dataclasses
import datetime as dt

from rich.table import Table

from mailflow.cli.base import CliState, cli, escape, json_option, pass_obj, show
from mailflow.office.regency import short_name
from mailflow.ops.health import snapshot, verdict
from mailflow.ops.offices import OfficeRow, office_rows
from mailflow.ops.verdict import State


@cli.command("offices")
@json_option
@pass_obj
def offices_cmd(obj: CliState, as_json: bool) -> None:
    """Each office: its mailboxes, this year's letters, overdue, held, and its health (as `status`)."""
    today = dt.datetime.now(obj.settings.zone).date()
    found = verdict(snapshot(obj.app.engine, obj.settings), obj.settings)
    rows = office_rows(obj.app.engine, obj.settings, obj.app.rules.get(), today, found)
    data = [
        dataclasses.asdict(r)
        | {
            "health": r.health.name,
            "problems": [obj.catalogue.say(obj.settings.language, p) for p in r.problems],
            "healthy": r.healthy,
        }
        for r in rows
    ]
    show(data, as_json, lambda: _table(obj, rows, today.year))


def _table(obj: CliState, rows: list[OfficeRow], year: int) -> Table:
    word = obj.word
    table = Table(title=word("cli.offices_title"))
    table.add_column(word("cli.office"), no_wrap=True)
    table.add_column(word("cli.office_name"))
    table.add_column(word("cli.mailboxes"))
    for key in ("letters_year", "open_overdue"):
        table.add_column(word(f"cli.{key}", year=year), justify="right")
    table.add_column(word("cli.quarantine_title"), justify="right")
    table.add_column(word("cli.health"))
    for r in rows:
        if not r.mailboxes:
            health = f"[yellow]{escape(word('cli.no_mailbox'))}[/yellow]"
        elif r.problems:
            colour = "red" if r.health is State.CRITICAL else "yellow"
            said = "; ".join(obj.catalogue.say(obj.settings.language, p) for p in r.problems)
            state = word(f"health.state_{r.health.name.lower()}")
            health = f"[{colour}]{escape(state)}: {escape(said)}[/{colour}]"
        else:
            health = f"[green]{escape(word('cli.healthy'))}[/green]"
        table.add_row(
            escape(r.code),
            escape(short_name(r.name)),
            escape(", ".join(r.mailboxes) or "-"),
            str(r.letters),
            f"[bold red]{r.overdue}[/bold red]" if r.overdue else "0",
            str(r.held),
            health,
        )
    return table
