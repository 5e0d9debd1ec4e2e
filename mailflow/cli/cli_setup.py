"""Setting up and looking after an installation: `init`, `doctor`, `db upgrade`, `demo`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.table import Table

from mailflow.cli.base import CliState, cli, console, escape, pass_obj
from mailflow.errors import ConfigError
from mailflow.outbound.catalogue import LANGUAGES, Catalogue

if TYPE_CHECKING:
    from mailflow.app import App


@cli.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--mailbox", "address", help="the office mailbox, e.g. surat@dinas.example.go.id")
@click.option("--imap-host", help="default: mail.<the mailbox's domain>")
@click.option("--smtp-host", help="default: the IMAP host")
@click.option("--admin", help="who hears about problems (default: the mailbox)")
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    default="id",
    show_default=True,
    help="the admin's language: these questions, and admin_language in the config written",
)
def init(
    folder: Path,
    address: str | None,
    imap_host: str | None,
    smtp_host: str | None,
    admin: str | None,
    language: str,
) -> None:
    """Write a commented config.toml and a copy of the example rules into a new FOLDER."""
    import shutil

    from mailflow.resources import EXAMPLE_CONFIG, EXAMPLE_RULES

    word = Catalogue().words(language)
    if (folder / "config.toml").exists():
        raise click.ClickException(word("init.exists", config=folder / "config.toml"))
    address = (address or click.prompt(word("init.mailbox", example="surat@dinas.go.id"))).strip().lower()
    domain = address.rpartition("@")[2]
    imap_host = imap_host or click.prompt(word("init.imap"), default=f"mail.{domain}")
    smtp_host = smtp_host or click.prompt(word("init.smtp"), default=imap_host)
    admin = admin or address
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(EXAMPLE_RULES, folder / "rules", ignore=shutil.ignore_patterns("regency"))  # one office
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    for old, new in (
        ("surat@probolinggokab.example", address),
        ("admin@probolinggokab.example", admin),
        ('host = "mail.probolinggokab.example"', f'host = "{imap_host}"'),  # not the comments' examples
        ('password_env = "MAILFLOW_SURAT_PASSWORD"', 'password_file = "imap-password"'),
        ('password_file = "/etc/mailflow/smtp-password"', 'password_file = "smtp-password"'),
        ('admin_language = "id"', f'admin_language = "{language}"'),
    ):
        text = text.replace(old, new)
    text = text.replace(f'[smtp]\nhost = "{imap_host}"', f'[smtp]\nhost = "{smtp_host}"')
    (folder / "config.toml").write_text(text, encoding="utf-8")
    click.echo(
        word(
            "init.next",
            config=folder / "config.toml",
            rules=folder / "rules",
            imap_password=folder / "imap-password",
            smtp_password=folder / "smtp-password",
        )
    )
    _systemd_units(folder)


def _systemd_units(folder: Path) -> None:
    """The service's systemd units for this folder, under FOLDER/systemd/ (as `systemd-unit -o`)."""
    from mailflow.config import load_settings
    from mailflow.ops.systemd import mailflow_command, render_units, write_units
    from mailflow.outbound.catalogue import Catalogue

    settings = load_settings(folder / "config.toml")
    written = write_units(render_units(settings, "mailflow", mailflow_command()), folder / "systemd")
    say = Catalogue().words(settings.admin_language)
    click.echo(say("systemd_cli.written", files=", ".join(map(str, written))))
    click.echo(say("systemd_cli.next", user="mailflow"))


@cli.command()
@click.option("--no-probe", is_flag=True, help="do not send the plus-addressing probe email")
@pass_obj
def doctor(obj: CliState, no_probe: bool) -> None:
    """Check the config, rules, database, IMAP logins (IDLE, MOVE, plus-addressing) and SMTP."""
    from mailflow.ops.doctor import diagnose

    checks = diagnose(obj.settings, probe=not no_probe)
    # A grid, so that a long detail or fix wraps under itself, not back to column 0.
    grid = Table.grid(padding=(0, 1), pad_edge=False)
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    ok, fail, fix = obj.word("doctor.ok"), obj.word("doctor.fail"), obj.word("doctor.fix")
    for check in checks:
        mark = f"[green]{escape(ok)}[/green]" if check.ok else f"[red]{escape(fail)}[/red]"
        grid.add_row(mark, escape(check.item), escape(check.detail))
        if check.fix:
            grid.add_row("", "", f"[yellow]{escape(fix)}[/yellow] {escape(check.fix)}")
    console.print(grid)
    sys.exit(0 if all(c.ok for c in checks) else 1)


@cli.group("db")
def db_group() -> None:
    """The database schema."""


@db_group.command("upgrade")
@pass_obj
def db_upgrade(obj: CliState) -> None:
    """Apply the schema migrations this Mailflow needs (back up the database first)."""
    from mailflow.storage.db import make_engine, upgrade

    before, after = upgrade(make_engine(obj.settings.database_url), zone=obj.settings.timezone)
    click.echo(
        f"database schema: {before or 'empty'} -> {after}"
        if before != after
        else f"database schema is current ({after})"
    )


@cli.command()
@click.option(
    "--workdir",
    type=click.Path(path_type=Path, file_okay=False),
    help="where the demo writes its database, storage and exports (default: a temp folder)",
)
@click.option("--keep", is_flag=True, help="keep the demo mail server running afterwards")
@click.option("--imap-port", type=int, default=0, help="fixed IMAP port (default: any free)")
@click.option("--smtp-port", type=int, default=0, help="fixed SMTP port (default: any free)")
@click.option("--regency", is_flag=True, help="the story across offices: the example regency (rules/regency)")
@click.option("--web", is_flag=True, help="then leave the web pages open on the demo's data (implies --keep)")
@click.option("--web-port", type=int, default=8080, show_default=True, help="the pages' port (with --web)")
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    help="the narration's language (default: admin_language of the config, if there is one; else id)",
)
@pass_obj
def demo(
    obj: CliState,
    workdir: Path | None,
    keep: bool,
    imap_port: int,
    smtp_port: int,
    regency: bool,
    web: bool,
    web_port: int,
    language: str | None,
) -> None:
    """Play the whole flow on a self-contained loopback mail server (no outside server); without
    --workdir in a temporary folder, removed when it ends. With --keep, Ctrl-C ends it (exit 0)."""
    from mailflow.demo.scenario import run_demo, working_folder

    language = language or _configured_language(obj)
    temporary = workdir is None
    if regency:
        from mailflow.demo.regency_scenario import run_regency_demo

        with working_folder(workdir, "mailflow-regency-") as folder:
            code = run_regency_demo(folder, console, language, temporary)
    else:
        with working_folder(workdir, "mailflow-demo-") as folder:
            ports = (imap_port, smtp_port)
            pages = _demo_pages(web_port) if web else None
            code = run_demo(folder, console, keep=keep, ports=ports, language=language, temporary=temporary,
                            web=pages[0] if pages else None, pages=pages[1] if pages else None)  # fmt: skip
    sys.exit(code)


def _demo_pages(port: int) -> tuple[dict[str, object], Callable[[App], str]]:
    """The demo's [web] settings (loopback, plain HTTP, a fresh key), and what serves the pages
    and makes Pak Budi's link to his letter."""
    import secrets

    from sqlmodel import Session, col, select

    from mailflow.demo.scenario import KADIS
    from mailflow.storage.models import Letter
    from mailflow.text.links import LETTER, link_url, make_link
    from mailflow.web.serve import serve_beside

    url = f"http://127.0.0.1:{port}"
    settings: dict[str, object] = {
        "bind": "127.0.0.1", "port": port, "public_url": url, "secret_key": secrets.token_urlsafe(32),
        "secure_cookie": False,  # plain HTTP on this machine's loopback only
    }  # fmt: skip

    def serve(app: App) -> str:
        serve_beside(app)
        with Session(app.engine) as session:
            first = session.exec(select(Letter.id).order_by(col(Letter.id))).first()
        token, _ = make_link(str(settings["secret_key"]), LETTER, KADIS, first)
        return link_url(url, LETTER, token)

    return settings, serve


def _configured_language(obj: CliState) -> str:
    """The admin's language when a config is at hand; the demo itself needs none."""
    if obj.config is None and not Path("config.toml").exists():
        return "id"
    try:
        return obj.settings.admin_language
    except ConfigError:  # a broken config is `doctor`'s business, not the demo's
        return "id"
