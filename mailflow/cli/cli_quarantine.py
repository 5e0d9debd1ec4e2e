"""`quarantine list|show|release`: what is held for an admin, and releasing it."""

from __future__ import annotations

import getpass
import os
import sys
from typing import TYPE_CHECKING

import click
from rich.console import Group, RenderableType
from rich.table import Table

from mailflow.cli.base import (
    CliState,
    cli,
    column_widths,
    decision,
    echo,
    escape,
    fields_grid,
    indented,
    json_option,
    local_time,
    longest_line,
    longest_word,
    office_option,
    pass_obj,
    show,
)
from mailflow.text.terminal import inert

if TYPE_CHECKING:
    from mailflow.storage.models import QuarantineItem


@cli.group("quarantine")
def quarantine_group() -> None:
    """Messages held for an admin."""


@quarantine_group.command("list")
@click.option("--all", "include_released", is_flag=True, help="released items too")
@office_option
@json_option
@pass_obj
def quarantine_list(obj: CliState, include_released: bool, office: str | None, as_json: bool) -> None:
    from mailflow.registry.queries import quarantine_items, quarantine_record

    offices = obj.offices(office) if office else ()
    items = [quarantine_record(i) for i in quarantine_items(obj.app.engine, include_released, offices)]
    show(items, as_json, lambda: _held_table(obj, items))


def _held_table(obj: CliState, items: list[dict]) -> RenderableType:
    """A table when every column fits its longest word (as `letters`); on a narrower terminal,
    each held message as a block, its reason, sender and subject on their own lines. Nothing is
    cut with "…": the sender's address is what the admin checks before releasing."""
    word = obj.word
    keys = ("reason", "sender", "subject")
    headings = [word(f"cli.{column}") for column in ("number", *keys, "received", "status")]
    rows = [
        [
            str(i["id"]),
            obj.coded("held_reason", i["reason"]),
            i["from"],
            i["subject"],
            local_time(i["received_at"], obj.settings.zone),
            obj.coded("held_status", i["status"]),
        ]
        for i in items
    ]
    columns = list(zip(headings, *rows, strict=True))
    widths = column_widths([longest_word(*c) for c in columns], [longest_line(*c) for c in columns])
    if widths is None:
        blocks: list[RenderableType] = [f"[bold]{escape(word('cli.quarantine_title'))}[/bold]"]
        for number, reason, sender, subject, received, status in rows:
            grid = fields_grid()
            for key, value in zip(keys, (reason, sender, subject), strict=True):
                grid.add_row(escape(word(f"cli.{key}")), escape(value))
            blocks += [escape(f"{headings[0]} {number}  {received}  {status}"), indented(grid)]
        return Group(*blocks)
    table = Table(title=word("cli.quarantine_title"))
    for heading, width in zip(headings, widths, strict=True):
        table.add_column(heading, width=width, overflow="fold")  # wrapped between words: none is cut
    for row in rows:
        table.add_row(*map(escape, row))
    return table


def _item(obj: CliState, item_id: int, office: str | None) -> QuarantineItem:
    """A held item; with --office, only one of that office's (another office's is not shown)."""
    from sqlmodel import Session

    from mailflow.storage.models import QuarantineItem

    with Session(obj.app.engine) as session:
        item = session.get(QuarantineItem, item_id)
    if item is None or (office is not None and item.office not in obj.offices(office)):
        raise click.ClickException(f"no quarantine item {item_id}" + (f" of {office}" if office else ""))
    return item


@quarantine_group.command("show")
@click.argument("item_id", type=int)
@click.option("--raw", is_flag=True, help="print the raw message as received")
@office_option
@pass_obj
def quarantine_show(obj: CliState, item_id: int, raw: bool, office: str | None) -> None:
    from sqlmodel import Session

    from mailflow.inbound.forensics import examine
    from mailflow.registry.queries import inbound_records, quarantine_record

    item = _item(obj, item_id, office)
    if raw:
        data = obj.app.archive.raw(item.raw_sha256)
        if sys.stdout.isatty():  # to a terminal: readable, never its escape sequences
            click.echo(inert(data.decode("utf-8", "replace").replace("\r\n", "\n"), lines=True))
        else:  # to a file or a pipe: byte-exact
            sys.stdout.buffer.write(data)
        return
    record = quarantine_record(item)
    shown = record | {
        "reason": f"{obj.coded('held_reason', item.reason)} ({item.reason})",
        "status": obj.coded("held_status", item.status),
        "received_at": local_time(record["received_at"], obj.settings.zone),
    }
    found = examine(obj.app.archive.raw(item.raw_sha256))
    lines = [(obj.word(f"held_field.{key}"), value) for key, value in shown.items()]
    with Session(obj.app.engine) as session:
        ledger = inbound_records(session, quarantine_id=item.id)
    lines += [(obj.word("held_field.decided_by"), decision(r)) for r in ledger]
    lines += [(obj.word("held_field.hop"), hop) for hop in found.hops]
    lines += [(obj.word("held_field.defect"), defect) for defect in found.defects]
    if not found.whole:
        lines.append(("", obj.word("held_field.header_only")))
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        echo(f"{label:<{width}}  {'-' if value is None else value}")


@quarantine_group.command("release")
@click.argument("item_id", type=int)
@click.option("--by", metavar="NAME", help="who releases it, for the letter's log (default: your OS user)")
@office_option
@pass_obj
def quarantine_release(obj: CliState, item_id: int, by: str | None, office: str | None) -> None:
    """File a held message as a letter after all (one held before it was read: read it again).

    The release is logged on the letter with who and when; its mail (receipt, disposition
    request) waits in the outbox for the service to send, like all mail."""
    from sqlalchemy import func
    from sqlmodel import Session, select

    from mailflow.inbound.release import ReleaseRefused, release_held
    from mailflow.storage.models import Letter, OutboxMessage, OutboxStatus, fetch

    app = obj.app
    item = _item(obj, item_id, office)
    by = by or _os_user()
    try:
        done = release_held(app, item, by)
    except ReleaseRefused as exc:
        raise click.ClickException(str(exc)) from exc
    if done.agenda is None:
        outcome = obj.word("held.read_again", outcome=obj.coded("outcome", done.outcome or ""))
    else:
        outcome = obj.word("held.filed", agenda=done.agenda)
    letter_id = done.letter_id
    echo(obj.word("held.released", id=item_id, outcome=outcome))
    if letter_id is None:
        return
    with Session(app.engine) as session:
        letter = fetch(session, Letter, letter_id)
        waiting = session.exec(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.letter_id == letter_id, OutboxMessage.status == OutboxStatus.PENDING)
        ).one()
    click.echo(obj.word("release.logged", agenda=letter.agenda_number, by=by))
    if waiting:
        click.echo(obj.word("release.outbox", count=waiting))


def _os_user() -> str:
    """The account running the command: the admin, when each admin signs in as themselves."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (a bare container)
        return f"uid {os.getuid()}"

