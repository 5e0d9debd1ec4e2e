"""The `mailflow` command: builds one App from the config and hands it to the command."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, TaskID
from rich.table import Table
from rich.tree import Tree
from sqlmodel import Session

from mailflow.app import App
from mailflow.config import Settings, load_settings
from mailflow.errors import MailflowError, MessageError, RulesError
from mailflow.office.rules import load_rules
from mailflow.ops.logs import setup_logging
from mailflow.outbound.compose import BUILTIN_TEMPLATES
from mailflow.registry.quarantine import release
from mailflow.registry.queries import find_letter, letter_record, letters, quarantine_items, quarantine_record
from mailflow.storage.db import transaction
from mailflow.storage.models import QuarantineItem
from mailflow.text.parsing import parse_message

console = Console()


class _Obj:
    """Lazily built App, so `--help` and `rules check` need no database."""

    def __init__(self, config: Path | None) -> None:
        self.config = config
        self._settings: Settings | None = None
        self._app: App | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config)
            setup_logging(self._settings.log_format)
        return self._settings

    @property
    def app(self) -> App:
        if self._app is None:
            self._app = App.build(self.settings)
        return self._app


pass_obj = click.make_pass_decorator(_Obj)


@click.group()
@click.option(
    "--config",
    type=click.Path(path_type=Path),
    envvar="MAILFLOW_CONFIG",
    help="config.toml to use (default: $MAILFLOW_CONFIG, then ./config.toml)",
)
@click.pass_context
def cli(ctx: click.Context, config: Path | None) -> None:
    """Mailflow: incoming letters and their dispositions over ordinary email."""
    ctx.obj = _Obj(config)


@cli.command()
@click.option("--once", is_flag=True, help="one pass over every mailbox and the outbox, then exit")
@pass_obj
def poll(obj: _Obj, once: bool) -> None:
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
            f"{r.mailbox}: {outcomes}" + (f" [red]error: {escape(r.error)}[/red]" if r.error else "")
        )
    if failed:
        sys.exit(2)


@cli.command()
@pass_obj
def run(obj: _Obj) -> None:
    """Run the service until SIGTERM/SIGINT."""
    from mailflow.ops import service

    service.run(obj.app)


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
@click.option("--json", "as_json", is_flag=True)
@pass_obj
def letters_cmd(
    obj: _Obj, year: int | None, status: str | None, holder: str | None, overdue: bool, as_json: bool
) -> None:
    """The registry (buku agenda)."""
    today = dt.datetime.now(obj.settings.zone).date()
    rows = letters(obj.app.engine, today, year, status, holder, overdue)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(title="Buku agenda surat masuk")
    for column in ("Agenda", "Diterima", "Asal surat", "Perihal", "Pemegang", "Status"):
        table.add_column(column)
    for r in rows:
        holders = ", ".join(h["title"] for h in r["holders"]) or "-"
        mark = " [bold red]TERLAMBAT[/bold red]" if r["overdue"] else ""
        style = STATUS_STYLE.get(r["status"], "white")
        received = (r["received_at"] or "")[:10]
        table.add_row(
            r["agenda_number"],
            received,
            escape(r["sender"] or "?"),
            escape(r["subject"] or "?"),
            escape(holders),
            f"[{style}]{r['status']}[/{style}]{mark}",
        )
    console.print(table)


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@pass_obj
def status(obj: _Obj, as_json: bool) -> None:
    """Health: last good poll per mailbox, outbox backlog, quarantine; exit 1 when unhealthy."""
    from mailflow.ops.health import snapshot

    health = snapshot(obj.app.engine, obj.settings)
    if as_json:
        data = dataclasses.asdict(health) | {"ok": health.ok}
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        table = Table(title="Mailflow status")
        for column in ("Mailbox", "Last good poll (UTC)", "Failing since", "Last error"):
            table.add_column(column)
        for m in health.mailboxes:
            table.add_row(
                m.name,
                f"{m.last_success_at:%Y-%m-%d %H:%M:%S}" if m.last_success_at else "never",
                f"[red]{m.failing_since:%Y-%m-%d %H:%M}[/red]" if m.failing_since else "-",
                m.last_error if m.failing_since else "-",
            )
        console.print(table)
        console.print(
            f"outbox: {health.outbox_pending} pending, {health.outbox_failed} failed; "
            f"quarantine: {health.quarantine_held} held"
        )
    sys.exit(0 if health.ok else 1)


@cli.group()
def letter() -> None:
    """One letter."""


@letter.command("show")
@click.argument("agenda")
@click.option("--json", "as_json", is_flag=True)
@pass_obj
def letter_show(obj: _Obj, agenda: str, as_json: bool) -> None:
    """A letter with its registry fields, files and log."""
    with Session(obj.app.engine) as session:
        found = find_letter(session, agenda)
        if found is None:
            raise click.ClickException(f"no letter with agenda number {agenda}")
        record = letter_record(session, found)
    if as_json:
        click.echo(json.dumps(record, indent=2, ensure_ascii=False))
        return
    console.print(f"[bold]{record['agenda_number']}[/bold]  {escape(record['subject'] or '(no subject)')}")
    for key in (
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
    ):
        value = escape(str(record[key])) if record[key] is not None else "[dim]unknown[/dim]"
        console.print(f"  {key:<17} {value}")
    for f in record["attachments"]:
        console.print(f"  file              {escape(f['filename'])} ({f['content_type']}, {f['size']} B)")
    if record["dispositions"]:
        console.print(_tree(record["dispositions"]))
    console.print("  log:")
    for e in record["log"]:
        targets = f" -> {', '.join(e['targets'])}" if e["targets"] else ""
        console.print(f"    {e['at'][:19]}  {e['action']:<13} {e['actor']}{targets}  {escape(e['text'])}")


def _tree(nodes: list[dict]) -> Tree:
    tree = Tree("[bold]Disposisi[/bold]")
    branches: dict[int | None, Tree] = {None: tree}
    for n in nodes:
        style = {"completed": "green", "archived": "dim", "cancelled": "strike dim", "disposed": "cyan"}.get(
            n["state"], "yellow"
        )
        deadline = f", batas {n['deadline']}" if n["deadline"] else ""
        label = (
            f"[{style}]{escape(n['title'])} ({escape(n['name'])}): {n['state']}[/{style}]"
            f"{': ' + escape(n['instruction']) if n['instruction'] else ''}{deadline}"
        )
        branches[n["id"]] = branches.get(n["parent"], tree).add(label)
    return tree


@cli.group("quarantine")
def quarantine_group() -> None:
    """Messages held for an admin."""


@quarantine_group.command("list")
@click.option("--all", "include_released", is_flag=True, help="released items too")
@click.option("--json", "as_json", is_flag=True)
@pass_obj
def quarantine_list(obj: _Obj, include_released: bool, as_json: bool) -> None:
    items = [quarantine_record(i) for i in quarantine_items(obj.app.engine, include_released)]
    if as_json:
        click.echo(json.dumps(items, indent=2, ensure_ascii=False))
        return
    table = Table(title="Karantina")
    for column in ("ID", "Reason", "From", "Subject", "Received", "Status"):
        table.add_column(column)
    for i in items:
        table.add_row(
            str(i["id"]),
            i["reason"],
            escape(i["from"]),
            escape(i["subject"]),
            i["received_at"][:19],
            i["status"],
        )
    console.print(table)


@quarantine_group.command("show")
@click.argument("item_id", type=int)
@click.option("--raw", is_flag=True, help="print the raw message as received")
@pass_obj
def quarantine_show(obj: _Obj, item_id: int, raw: bool) -> None:
    with Session(obj.app.engine) as session:
        item = session.get(QuarantineItem, item_id)
    if item is None:
        raise click.ClickException(f"no quarantine item {item_id}")
    if raw:
        sys.stdout.buffer.write(obj.app.archive.raw(item.raw_sha256))
        return
    for key, value in quarantine_record(item).items():
        click.echo(f"{key:<12} {value}")


@quarantine_group.command("release")
@click.argument("item_id", type=int)
@pass_obj
def quarantine_release(obj: _Obj, item_id: int) -> None:
    """File a held message as a letter after all."""
    app = obj.app
    with transaction(app.engine) as session:
        item = session.get(QuarantineItem, item_id)
        if item is None or item.status != "held":
            raise click.ClickException(f"no held quarantine item {item_id}")
        try:
            message = parse_message(app.archive.raw(item.raw_sha256))
        except MessageError as exc:
            raise click.ClickException(
                f"item {item_id} still cannot be read ({exc}); "
                f"inspect it with `mailflow quarantine show {item_id} --raw`"
            ) from exc
        filed = release(session, app.context(), item, message)
        agenda = filed.agenda_number
    from mailflow.ops import service

    service.flush(app)
    click.echo(f"released {item_id}: filed as {agenda}")


@cli.group("rules")
def rules_group() -> None:
    """Check the rules folder."""


@rules_group.command("check")
@click.option("--rules-dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@pass_obj
def rules_check(obj: _Obj, rules_dir: Path | None) -> None:
    folder = rules_dir or obj.settings.rules_dir
    try:
        rules = load_rules(folder)
    except RulesError as exc:
        for problem in exc.problems:
            click.echo(f"{folder / problem.file}:{problem.line or ''}: {problem.message}", err=True)
        raise SystemExit(1) from exc
    click.echo(
        f"{folder}: OK ({len(rules.positions)} positions, {len(rules.people)} people, "
        f"{len(rules.clerks)} clerks)"
    )


@cli.command()
@click.option("--at", "at", help="act as if it were this local time (YYYY-MM-DDTHH:MM), for catching up")
@pass_obj
def followup(obj: _Obj, at: str | None) -> None:
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
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--mailbox", "address", help="the office mailbox, e.g. surat@dinas.example.go.id")
@click.option("--imap-host", help="default: mail.<the mailbox's domain>")
@click.option("--smtp-host", help="default: the IMAP host")
@click.option("--admin", help="who hears about problems (default: the mailbox)")
def init(
    folder: Path, address: str | None, imap_host: str | None, smtp_host: str | None, admin: str | None
) -> None:
    """Write a commented config.toml and a copy of the example rules into a new FOLDER."""
    import shutil

    from mailflow.resources import EXAMPLE_CONFIG, EXAMPLE_RULES

    if (folder / "config.toml").exists():
        raise click.ClickException(f"{folder / 'config.toml'} exists already; nothing was changed")
    address = (address or click.prompt("The office mailbox letters are sent to")).strip().lower()
    domain = address.rpartition("@")[2]
    imap_host = imap_host or click.prompt("IMAP server", default=f"mail.{domain}")
    smtp_host = smtp_host or click.prompt("SMTP server", default=imap_host)
    admin = admin or address
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(EXAMPLE_RULES, folder / "rules")
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    for old, new in (
        ("surat@probolinggokab.example", address),
        ("admin@probolinggokab.example", admin),
        ("mail.probolinggokab.example", imap_host),
        ('password_env = "MAILFLOW_SURAT_PASSWORD"', 'password_file = "imap-password"'),
        ('password_file = "/etc/mailflow/smtp-password"', 'password_file = "smtp-password"'),
    ):
        text = text.replace(old, new)
    text = text.replace(f'[smtp]\nhost = "{imap_host}"', f'[smtp]\nhost = "{smtp_host}"')
    (folder / "config.toml").write_text(text, encoding="utf-8")
    click.echo(
        f"wrote {folder / 'config.toml'} and {folder / 'rules'}/. Next:\n"
        f"  1. put the mailbox password in {folder / 'imap-password'} and the SMTP one in "
        f"{folder / 'smtp-password'} (chmod 600)\n"
        f"  2. edit {folder / 'rules'}/*.toml for your office, then: mailflow --config "
        f"{folder / 'config.toml'} rules check\n"
        f"  3. mailflow --config {folder / 'config.toml'} doctor"
    )


@cli.command()
@click.option("--no-probe", is_flag=True, help="do not send the plus-addressing probe email")
@pass_obj
def doctor(obj: _Obj, no_probe: bool) -> None:
    """Check the config, rules, database, IMAP logins (IDLE, MOVE, plus-addressing) and SMTP."""
    from mailflow.ops.doctor import diagnose

    checks = diagnose(obj.settings, probe=not no_probe)
    for check in checks:
        mark = "[green]ok  [/green]" if check.ok else "[red]FAIL[/red]"
        console.print(f"{mark} {check.item:<28} {escape(check.detail)}")
        if check.fix:
            console.print(f"     {'':<28} [yellow]fix:[/yellow] {escape(check.fix)}")
    sys.exit(0 if all(c.ok for c in checks) else 1)


@cli.command("export")
@click.option("--year", type=int, required=True)
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "json"]), default="xlsx")
@click.option("--unit", help="only letters disposed within this unit (rules/organisation.toml)")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True)
@pass_obj
def export_cmd(obj: _Obj, year: int, fmt: str, unit: str | None, output: Path) -> None:
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
def sheet_cmd(obj: _Obj, agenda: str, paper: str, output: Path) -> None:
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


@cli.group("db")
def db_group() -> None:
    """The database schema."""


@db_group.command("upgrade")
@pass_obj
def db_upgrade(obj: _Obj) -> None:
    """Apply the schema migrations this Mailflow needs (back up the database first)."""
    from mailflow.storage.db import make_engine, upgrade

    before, after = upgrade(make_engine(obj.settings.database_url))
    click.echo(
        f"database schema: {before or 'empty'} -> {after}"
        if before != after
        else f"database schema is current ({after})"
    )


@rules_group.command("test")
@click.argument("message", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--mailbox", help="which configured mailbox it arrives in (default: the first)")
@pass_obj
def rules_test(obj: _Obj, message: Path, mailbox: str | None) -> None:
    """Show which routing rule fires for MESSAGE.eml and why; nothing is filed or sent."""
    from mailflow.registry.explain import explain

    settings = obj.settings
    try:
        rules = load_rules(settings.rules_dir)
        parsed = parse_message(message.read_bytes())
    except RulesError as exc:
        raise click.ClickException(f"the rules do not load:\n{exc}") from exc
    except MessageError as exc:
        raise click.ClickException(f"{message}: would be quarantined: {exc}") from exc
    box = settings.mailbox(mailbox) if mailbox else (settings.mailboxes[0] if settings.mailboxes else None)
    today = dt.datetime.now(settings.zone).date()
    result = explain(parsed, rules, box.name if box else "", box.address if box else "", today)
    click.echo(f"from:      {parsed.from_address} -> {result.sender_role}")
    for name, source in sorted(result.fields.sources.items()):
        click.echo(f"field:     {name} = {getattr(result.fields, name)} ({source})")
    click.echo(f"rule:      {result.route.rule}")
    for reason in result.route.reasons:
        click.echo(f"  because  {reason}")
    holder = result.holder
    click.echo(f"first:     {holder.title} ({holder.person.name} <{holder.person.email}>)")
    if result.route.copies:
        click.echo(f"copies:    {', '.join(result.route.copies)}")
    click.echo(f"deadline:  {result.deadline.isoformat()}")


@cli.command()
@click.option(
    "--workdir",
    type=click.Path(path_type=Path, file_okay=False),
    help="where the demo writes its database, storage and exports (default: a temp folder)",
)
@click.option("--keep", is_flag=True, help="keep the demo mail server running afterwards")
@click.option("--imap-port", type=int, default=0, help="fixed IMAP port (default: any free)")
@click.option("--smtp-port", type=int, default=0, help="fixed SMTP port (default: any free)")
def demo(workdir: Path | None, keep: bool, imap_port: int, smtp_port: int) -> None:
    """Play the whole flow on a self-contained loopback mail server (no outside server)."""
    from mailflow.demo.scenario import run_demo

    sys.exit(run_demo(workdir, console, keep=keep, ports=(imap_port, smtp_port)))


def main() -> None:
    try:
        cli(standalone_mode=True)
    except MailflowError as exc:
        click.echo(f"mailflow: {exc}", err=True)
        sys.exit(2)
