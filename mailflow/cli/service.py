"""Running Mailflow: `run`, `poll`, `followup` and `status`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys

import click
from rich.console import Group
from rich.markup import escape
from rich.progress import Progress, TaskID
from rich.table import Table

from mailflow.cli.base import CliState, cli, console, json_option, local_time, pass_obj, show
from mailflow.ops.health import Health


@cli.command()
@click.option("--once", is_flag=True, help="one pass over every mailbox and the outbox, then exit")
@pass_obj
def poll(obj: CliState, once: bool) -> None:
    """Poll the mailboxes (with --once: a single pass)."""
    from mailflow.ops import service

    if not once:
        service.run(obj.app)
        return
    if console.is_terminal:
        with Progress(console=console, transient=True) as bar:
            tasks: dict[str, TaskID] = {}

            def show(name: str, done: int, total: int) -> None:
                if name not in tasks:
                    tasks[name] = bar.add_task(f"polling {name}", total=total or None)
                bar.update(tasks[name], completed=done, total=total or None)

            reports = service.once(obj.app, show)
    else:
        reports = service.once(obj.app)
    failed = [r for r in reports if r.error]
    for r in reports:
        outcomes = ", ".join(f"{obj.coded('outcome', k)} {v}" for k, v in sorted(r.outcomes.items()))
        error = f" [red]{escape(obj.word('outcome.error'))}: {escape(r.error)}[/red]" if r.error else ""
        console.print(escape(f"{r.mailbox}: {outcomes or obj.word('outcome.nothing')}") + error)
    if failed:
        sys.exit(2)


@cli.command()
@pass_obj
def run(obj: CliState) -> None:
    """Run the service until SIGTERM/SIGINT."""
    from mailflow.ops import service

    service.run(obj.app)


@cli.command()
@click.option("--at", "at", help="act as if it were this local time (YYYY-MM-DDTHH:MM), for catching up")
@pass_obj
def followup(obj: CliState, at: str | None) -> None:
    """Send the reminders, escalations and digests that are due (`mailflow run` does this itself)."""
    from mailflow.ops import service

    now = dt.datetime.fromisoformat(at).replace(tzinfo=obj.settings.zone) if at else None
    report = service.followups(obj.app, now)
    service.flush(obj.app)
    if report is not None:
        click.echo(
            f"reminded {len(report.reminded)}, escalated {len(report.escalated)}, "
            f"digests {len(report.digests)}, weekly {len(report.weekly)}"
        )


@cli.command()
@json_option
@pass_obj
def status(obj: CliState, as_json: bool) -> None:
    """Health: last good poll per mailbox, outbox backlog, quarantine; exit 1 when unhealthy."""
    from mailflow.ops.health import snapshot

    health = snapshot(obj.app.engine, obj.settings)
    show(dataclasses.asdict(health) | {"ok": health.ok}, as_json, lambda: _health_view(obj, health))
    sys.exit(0 if health.ok else 1)


def _health_view(obj: CliState, health: Health) -> Group:
    word, zone = obj.word, obj.settings.zone
    table = Table(title=word("cli.status_title"))
    for column in ("mailbox", "last_good_poll", "failing_since", "last_error"):
        table.add_column(word(f"cli.{column}"))
    for m in health.mailboxes:
        failing = local_time(m.failing_since.isoformat(), zone) if m.failing_since else None
        table.add_row(
            escape(m.name),
            local_time(m.last_success_at.isoformat(), zone) if m.last_success_at else word("cli.never"),
            f"[red]{escape(failing)}[/red]" if failing else "-",
            escape(m.last_error or "") if m.failing_since else "-",
        )
    summary = word(
        "cli.summary", pending=health.outbox_pending, failed=health.outbox_failed, held=health.quarantine_held
    )
    return Group(table, escape(summary))
