"""Running Mailflow: `run`, `poll` and `followup` (`status` is in cli/cli_health.py)."""

from __future__ import annotations

import datetime as dt
import sys

import click
from rich.progress import Progress, TaskID

from mailflow.cli.base import CliState, cli, console, escape, pass_obj


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
        if r.error:  # a failed poll is not "nothing new": only what it did before failing, then why
            said = escape(f"{r.mailbox}: {outcomes + '; ' if outcomes else ''}")
            console.print(f"{said}[red]{escape(obj.word('outcome.error'))}: {escape(r.error)}[/red]")
        else:
            console.print(escape(f"{r.mailbox}: {outcomes or obj.word('outcome.nothing')}"))
    if failed:
        sys.exit(2)


@cli.command()
@pass_obj
def run(obj: CliState) -> None:
    """Run the service until SIGTERM/SIGINT (and the web pages, when [web] is configured)."""
    from mailflow.ops import service

    if obj.settings.web is None:
        service.run(obj.app)
        return
    from mailflow.web.serve import serve_beside

    pages = serve_beside(obj.app)
    try:
        service.run(obj.app)
    finally:
        pages.should_exit = True


@cli.command()
@click.option(
    "--at",
    "at",
    help="as if it were this local time (YYYY-MM-DDTHH:MM): print what would be sent; --send sends it",
)
@click.option("--send", is_flag=True, help="with --at: really send what is due at that time")
@click.option("--dry-run", is_flag=True, help="print what would be sent, send and record nothing")
@pass_obj
def followup(obj: CliState, at: str | None, send: bool, dry_run: bool) -> None:
    """Send the reminders, escalations and digests that are due (`mailflow run` does this itself)."""
    from mailflow.ops import service

    if send and dry_run:
        raise click.UsageError("--send and --dry-run contradict each other: choose one")
    sending = (send or at is None) and not dry_run  # a time other than now is a rehearsal unless --send
    now = dt.datetime.fromisoformat(at).replace(tzinfo=obj.settings.zone) if at else None
    report = service.followups(obj.app, now, send=sending)
    if sending:
        service.flush(obj.app)
    if report is None:
        return
    when = f"{(now or dt.datetime.now(obj.settings.zone)):%Y-%m-%d %H:%M %Z}"
    head = "followup_cli.sent_at" if sending else "followup_cli.would_send_at"
    click.echo(obj.word(head, at=when, count=len(report.planned)))
    for mail in report.planned:
        click.echo(f"  {obj.word(f'followup_cli.kind_{mail.kind}')}: {mail.recipient} - {mail.subject}")
    if not sending:
        click.echo(obj.word("followup_cli.nothing_sent"))
    counts = {"reminded": report.reminded, "escalated": report.escalated, "digests": report.digests}
    counts["weekly"] = report.weekly
    click.echo(obj.word("followup_cli.counts", **{k: len(v) for k, v in counts.items()}))
