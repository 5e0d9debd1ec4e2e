"""`mailflow status`: the service's health for people and for monitoring. The first line is a
monitoring plugin's (`MAILFLOW OK - ...`, with performance data after `|`) and the exit code its
state (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), so Nagios, Icinga, Zabbix and a systemd timer
run it as it is; the table below it is for people."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn

import click
from rich.console import Group
from rich.markup import escape
from rich.table import Table

from mailflow.cli.base import CliState, cli, console, in_words, json_option, local_time, pass_obj
from mailflow.errors import MailflowError, SchemaError
from mailflow.ops.verdict import STALE_POLLS, State, Verdict, age_text
from mailflow.outbound.catalogue import Catalogue

if TYPE_CHECKING:
    from mailflow.ops.health import Health


@cli.command()
@json_option
@pass_obj
def status(obj: CliState, as_json: bool) -> None:
    """Health: heartbeat, last good poll per mailbox, outbox, quarantine. Exit 0 OK, 1 WARNING,
    2 CRITICAL, 3 UNKNOWN (no config, database unreachable), as monitoring plugins do."""
    from mailflow.ops.health import snapshot, status_engine, verdict
    from mailflow.storage.db import DATABASE_ERRORS

    try:
        settings = obj.settings
        health = snapshot(status_engine(settings), settings)
    except MailflowError as exc:  # a config error in the words and language its text names
        if isinstance(exc, SchemaError):
            exc.language = settings.admin_language
        _unknown(obj, in_words(exc), as_json, getattr(exc, "language", None))
    except DATABASE_ERRORS as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        _unknown(obj, obj.word("health.database_unreachable", error=reason), as_json)
    found = verdict(health, settings)
    if found.findings:
        summary = "; ".join(obj.catalogue.say(settings.admin_language, f.said) for f in found.findings)
    else:
        summary = obj.word(
            "health.ok",
            workers=found.live_workers,
            ago=age_text(found.heartbeat_age or 0),
            mailboxes=len(health.mailboxes),
            window=age_text(STALE_POLLS * settings.poll_interval),
        )
    line = f"MAILFLOW {found.state.name} - {summary} | {_perfdata(health, found, settings.poll_interval)}"
    if as_json:
        data = dataclasses.asdict(health) | {
            "state": found.state.name,
            "exit_code": int(found.state),
            "summary": summary,
            "live_workers": found.live_workers,
            "heartbeat_age": found.heartbeat_age,
            "findings": [
                {
                    "state": f.state.name,
                    "mailbox": f.mailbox,
                    "text": obj.catalogue.say(settings.admin_language, f.said),
                }
                for f in found.findings
            ],
            "ok": found.state is State.OK,
        }
        _exit(found.state, lambda: click.echo(_json(data)))

    def table() -> None:
        with console.capture() as view:  # one write: rich would exit 1 itself on a broken pipe
            console.print(_view(obj, health, found))
        click.echo(f"{line}\n{view.get()}", nl=False)

    _exit(found.state, table)


def _exit(state: State, show: Callable[[], object]) -> NoReturn:
    """Print, then exit with the state. A reader that stops early (`status | head -1`) breaks the
    pipe; the exit code is still the state, not click's 1 for a broken pipe (a false WARNING)."""
    try:
        show()
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
    sys.exit(int(state))


def _unknown(obj: CliState, error: str, as_json: bool, language: str | None = None) -> NoReturn:
    """UNKNOWN (3): nothing can be said about the service; in the office's language if the
    config could be read, else the one its text names (`language`), else Indonesian."""
    from mailflow.domain import Said

    try:
        text = obj.word("health.unknown", error=error)
    except MailflowError:
        text = Catalogue().say(language or "id", Said.of("health.unknown", error=error))
    if as_json:
        data = {"state": State.UNKNOWN.name, "exit_code": int(State.UNKNOWN), "summary": text}
        _exit(State.UNKNOWN, lambda: click.echo(_json(data)))
    _exit(State.UNKNOWN, lambda: click.echo(f"MAILFLOW {State.UNKNOWN.name} - {text}"))


def _json(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def _perfdata(health: Health, found: Verdict, poll_interval: float) -> str:
    """Performance data for graphs: 'label'=value[unit];warn;crit."""
    stale = STALE_POLLS * poll_interval
    age = f"{found.heartbeat_age:.0f}s;;{stale:.0f}" if found.heartbeat_age is not None else "U"
    failing = sum(1 for m in health.mailboxes if m.failing_since is not None)
    return (
        f"workers={found.live_workers};;1: heartbeat_age={age} mailboxes_failing={failing};1 "
        f"outbox_pending={health.outbox_pending} outbox_failed={health.outbox_failed};1 "
        f"quarantine_held={health.quarantine_held}"
    )


def _view(obj: CliState, health: Health, found: Verdict) -> Group:
    from mailflow.storage.models import utcnow

    word, zone = obj.word, obj.settings.zone
    colour = {State.OK: "green", State.WARNING: "yellow", State.CRITICAL: "red", State.UNKNOWN: "magenta"}
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
    now = utcnow()
    lines: list[str] = [
        f"[{colour[f.state]}]{escape(word(f'health.state_{f.state.name.lower()}'))}[/{colour[f.state]}]: "
        + escape(obj.catalogue.say(obj.settings.admin_language, f.said))
        for f in found.findings
    ]
    live = [w for w in health.workers if w.stopped_at is None]
    lines += [
        escape(
            f"{word('health.workers')}: "
            + word(
                "health.worker_live",
                worker=w.worker,
                started=local_time(w.started_at.isoformat(), zone),
                ago=age_text((now - w.beat_at).total_seconds()),
            )
        )
        for w in sorted(live, key=lambda w: w.beat_at, reverse=True)[:20]
    ]
    summary = word(
        "cli.summary", pending=health.outbox_pending, failed=health.outbox_failed, held=health.quarantine_held
    )
    return Group(table, *lines, escape(summary))
