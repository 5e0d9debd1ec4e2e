"""`quarantine list|show|release`: what is held for an admin, and releasing it."""

from __future__ import annotations

import sys

import click
from rich.markup import escape
from rich.table import Table
from sqlmodel import Session

from mailflow.cli.base import CliState, cli, json_option, local_time, office_option, pass_obj, show
from mailflow.disposition.routing import route_letter
from mailflow.errors import MessageError
from mailflow.inbound.forensics import examine
from mailflow.inbound.poll import UNDECIDED_REASONS, read_again
from mailflow.registry.quarantine import release
from mailflow.registry.queries import quarantine_items, quarantine_record
from mailflow.storage.db import transaction
from mailflow.storage.models import QuarantineItem
from mailflow.text.letter import read_letter
from mailflow.text.parsing import parse_message


@cli.group("quarantine")
def quarantine_group() -> None:
    """Messages held for an admin."""


@quarantine_group.command("list")
@click.option("--all", "include_released", is_flag=True, help="released items too")
@office_option
@json_option
@pass_obj
def quarantine_list(obj: CliState, include_released: bool, office: str | None, as_json: bool) -> None:
    offices = obj.offices(office) if office else ()
    items = [quarantine_record(i) for i in quarantine_items(obj.app.engine, include_released, offices)]
    show(items, as_json, lambda: _held_table(obj, items))


def _held_table(obj: CliState, items: list[dict]) -> Table:
    word = obj.word
    table = Table(title=word("cli.quarantine_title"))
    for column in ("number", "reason", "sender", "subject", "received", "status"):
        table.add_column(word(f"cli.{column}"))
    for i in items:
        table.add_row(
            str(i["id"]),
            escape(i["reason"]),
            escape(i["from"]),
            escape(i["subject"]),
            escape(local_time(i["received_at"], obj.settings.zone)),
            escape(i["status"]),
        )
    return table


def _item(obj: CliState, item_id: int, office: str | None) -> QuarantineItem:
    """A held item; with --office, only one of that office's (another office's is not shown)."""
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
    item = _item(obj, item_id, office)
    if raw:
        sys.stdout.buffer.write(obj.app.archive.raw(item.raw_sha256))
        return
    for key, value in quarantine_record(item).items():
        click.echo(f"{key:<12} {value}")
    found = examine(obj.app.archive.raw(item.raw_sha256))
    for hop in found.hops:
        click.echo(f"{'received':<12} {hop}")
    for defect in found.defects:
        click.echo(f"{'defect':<12} {defect}")
    if not found.whole:
        click.echo(f"{'':<12} (a large message: only its header was examined)")


@quarantine_group.command("release")
@click.argument("item_id", type=int)
@office_option
@pass_obj
def quarantine_release(obj: CliState, item_id: int, office: str | None) -> None:
    """File a held message as a letter after all (one held before it was read: read it again)."""
    app = obj.app
    item = _item(obj, item_id, office)
    if item.status != "held":
        raise click.ClickException(f"no held quarantine item {item_id}")
    if item.reason in UNDECIDED_REASONS:
        outcome = f"read again as {read_again(app, item).outcome}"
    else:
        outcome = f"filed as {_file_held(obj, item)}"
    from mailflow.ops import service

    service.flush(app)
    click.echo(f"released {item_id}: {outcome}")


def _file_held(obj: CliState, item: QuarantineItem) -> str:
    app = obj.app
    try:  # read before the transaction, which then only writes (text.letter)
        message = parse_message(app.archive.raw(item.raw_sha256))
    except MessageError as exc:
        raise click.ClickException(
            f"item {item.id} still cannot be read ({exc}); "
            f"inspect it with `mailflow quarantine show {item.id} --raw`"
        ) from exc
    ctx = app.context(app.settings.mailbox(item.mailbox))
    reading = read_letter(message, direct=ctx.rules.clerk(message.from_address) is None)
    with transaction(app.engine) as session:
        held = session.get(QuarantineItem, item.id, with_for_update=True)
        if held is None or held.status != "held":
            raise click.ClickException(f"no held quarantine item {item.id}")
        letter, new = release(session, ctx, held, message, reading)
        if new and not letter.fields_pending:  # a letter with scans goes when they are read
            route_letter(session, ctx, ctx.settings.mailbox(held.mailbox), letter)
        return letter.agenda_number
