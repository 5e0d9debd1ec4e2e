"""`mailflow systemd-unit`: the systemd units of this installation (ops/systemd.py renders them)."""

from __future__ import annotations

from pathlib import Path

import click

from mailflow.cli.base import CliState, cli, pass_obj


@cli.command("systemd-unit")
@click.option(
    "--user", default="mailflow", show_default=True, help="the service user, who owns the data folder"
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, file_okay=False),
    help="write mailflow.service, mailflow-status.service and mailflow-status.timer into this folder "
    "(e.g. /etc/systemd/system) instead of printing mailflow.service",
)
@pass_obj
def systemd_unit(obj: CliState, user: str, output: Path | None) -> None:
    """systemd units for this config: the service, hardened, as USER; a timer running `status`."""
    from mailflow.ops.systemd import mailflow_command, render_units, write_units

    units = render_units(obj.settings, user, mailflow_command())
    if output is None:
        click.echo(units["mailflow.service"], nl=False)
        return
    written = write_units(units, output)
    click.echo(obj.word("systemd_cli.written", files=", ".join(str(p) for p in written)))
    click.echo(obj.word("systemd_cli.next", user=user))
