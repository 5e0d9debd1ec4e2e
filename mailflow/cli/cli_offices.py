"""`mailflow offices`: the offices one service serves."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table

from mailflow.cli.base import (
    CliState,
    cli,
    column_widths,
    escape,
    fields_grid,
    indented,
    json_option,
    longest_line,
    longest_word,
    pass_obj,
    show,
)
from mailflow.ops.verdict import State

if TYPE_CHECKING:
    from mailflow.ops.offices import OfficeRow


@cli.command("offices")
@json_option
@pass_obj
def offices_cmd(obj: CliState, as_json: bool) -> None:
    """Each office: its mailboxes, this year's letters, overdue, held, and its health (as `status`)."""
    from mailflow.ops.health import snapshot, verdict
    from mailflow.ops.offices import office_rows

    today = dt.datetime.now(obj.settings.zone).date()
    found = verdict(snapshot(obj.app.engine, obj.settings), obj.settings)
    rows = office_rows(obj.app.engine, obj.settings, obj.app.rules.get(), today, found)
    data = [
        dataclasses.asdict(r)
        | {
            "health": r.health.name,
            "problems": [obj.catalogue.say(obj.settings.admin_language, p) for p in r.problems],
            "healthy": r.healthy,
        }
        for r in rows
    ]
    show(data, as_json, lambda: _table(obj, rows, today.year))


def _table(obj: CliState, rows: list[OfficeRow], year: int) -> RenderableType:
    """A table when each column fits its longest word (headings included); on a narrower
    terminal, each office as a block of labelled lines."""
    from mailflow.office.regency import short_name

    word = obj.word
    headings = [
        word("cli.office"),
        word("cli.office_name"),
        word("cli.mailboxes"),
        word("cli.letters_year", year=year),
        word("cli.open_overdue"),
        word("cli.quarantine_title"),
        word("cli.health"),
    ]
    cells = [
        [
            r.code,
            short_name(r.name),
            ", ".join(r.mailboxes) or "-",
            str(r.letters),
            str(r.overdue),
            str(r.held),
            _health(obj, r),
        ]
        for r in rows
    ]
    shown = [[escape(c) for c in line] for line in cells]
    for line, r in zip(shown, rows, strict=True):
        line[4] = f"[bold red]{r.overdue}[/bold red]" if r.overdue else "0"
        line[6] = f"[{_health_style(r)}]{line[6]}[/{_health_style(r)}]"
    columns = list(zip(headings, *cells, strict=True))
    widths = column_widths([longest_word(*c) for c in columns], [longest_line(*c) for c in columns])
    if widths is None:
        blocks: list[RenderableType] = [f"[bold]{escape(word('cli.offices_title'))}[/bold]"]
        for line in shown:
            grid = fields_grid()
            for heading, value in zip(headings[1:], line[1:], strict=True):
                grid.add_row(escape(heading), value)
            blocks += [f"[bold]{line[0]}[/bold]", indented(grid)]
        return Group(*blocks)
    table = Table(title=word("cli.offices_title"))
    for index, (heading, width) in enumerate(zip(headings, widths, strict=True)):
        numeric = 3 <= index <= 5
        table.add_column(heading, width=width, overflow="fold", justify="right" if numeric else "left")
    for line in shown:
        table.add_row(*line)
    return table


def _health(obj: CliState, r: OfficeRow) -> str:
    """The verdict `mailflow status` gives the office's mailboxes and the service, in words."""
    if not r.mailboxes:
        return obj.word("cli.no_mailbox")
    if r.problems:
        said = "; ".join(obj.catalogue.say(obj.settings.admin_language, p) for p in r.problems)
        return f"{obj.word(f'health.state_{r.health.name.lower()}')}: {said}"
    return obj.word("cli.healthy")


def _health_style(r: OfficeRow) -> str:
    if not r.mailboxes:
        return "yellow"
    if r.problems:
        return "red" if r.health is State.CRITICAL else "yellow"
    return "green"
