"""Backup and restore: `backup`, `restore` and `reconcile` (ops.backup, ops.reconcile)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from mailflow.cli.base import CliState, cli, pass_obj


@cli.command()
@click.argument("dest", type=click.Path(path_type=Path, file_okay=False))
@pass_obj
def backup(obj: CliState, dest: Path) -> None:
    """Back up the database and storage/ into DEST, a new folder (files 0600), read back after writing."""
    from mailflow.ops.backup import BackupError
    from mailflow.ops.backup import backup as write_backup

    try:
        report = write_backup(obj.settings, dest)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        obj.word(
            "backup.written",
            folder=str(report.folder),
            files=len(report.manifest.files),
            megabytes=f"{report.manifest.size / 1e6:.1f}",
            seconds=f"{report.seconds:.1f}",
        )
    )


@cli.command()
@click.argument("source", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--force", is_flag=True, help="replace a database that holds data (stop the service first)")
@pass_obj
def restore(obj: CliState, source: Path, force: bool) -> None:
    """Restore a backup made by `mailflow backup`, upgrade its schema, then run `reconcile`."""
    from mailflow.ops.backup import BackupError
    from mailflow.ops.backup import restore as put_back

    try:
        report = put_back(obj.settings, source, force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        obj.word(
            "backup.restored",
            created=report.manifest.created_at,
            files=report.storage_files,
            seconds=f"{report.seconds:.1f}",
        )
    )
    if report.schema_before != report.schema_after:
        click.echo(obj.word("backup.schema", before=report.schema_before, after=report.schema_after))
    _reconcile(obj)


@cli.command()
@pass_obj
def reconcile(obj: CliState) -> None:
    """File again what the processed and quarantine folders hold and the database does not know."""
    _reconcile(obj)


def _reconcile(obj: CliState) -> None:
    from mailflow.ops import service
    from mailflow.ops.reconcile import reconcile as run_reconcile

    started = time.monotonic()
    report = run_reconcile(obj.app)
    service.flush(obj.app)
    refiled = sum(report.outcomes.values())
    seconds = f"{time.monotonic() - started:.1f}"
    counts = {"looked": report.looked, "fetched": report.fetched, "refiled": refiled}
    click.echo(obj.word("backup.reconciled", **counts, seconds=seconds))
    for outcome, count in sorted(report.outcomes.items()):
        click.echo(obj.word("backup.outcome", outcome=obj.coded("outcome", outcome), count=count))
    for letter in report.letters:
        key = "backup.changed" if letter.changed else "backup.same" if letter.before else "backup.unknown"
        click.echo(obj.word(key, agenda=letter.agenda_number, before=letter.number_before))
    for detail in report.held:
        click.echo(obj.word("backup.held", detail=detail))
    for detail in report.problems:
        click.echo(obj.word("backup.problem", detail=detail), err=True)
    if report.problems:
        sys.exit(1)
