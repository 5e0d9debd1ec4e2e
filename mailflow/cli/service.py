"""Running Mailflow: `run`, `poll` and `followup` (`status` is in cli/health.py)."""

from __future__ import annotations

import datetime as dt
import sys

import click
from rich.markup import escape
from rich.progress import Progress, TaskID

from mailflow.cli.base import CliState, cli, console, pass_obj


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
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(r.outcomes.items())) or "nothing new"
        console.print(
            escape(f"{r.mailbox}: {outcomes}") + (f" [red]error: {escape(r.error)}[/red]" if r.error else "")
        )
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
