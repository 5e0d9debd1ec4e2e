"""`mailflow web`: the pages alone (`mailflow run` serves them too when `[web]` is configured)."""

from __future__ import annotations

import click

from mailflow.cli.base import CliState, cli, pass_obj


@cli.command()
@pass_obj
def web(obj: CliState) -> None:
    """Serve the web pages (the [web] section of the config) until SIGTERM/SIGINT."""
    from mailflow.web.serve import serve

    if obj.settings.web is None:
        raise click.ClickException("no [web] section in the config: see README, 'The web pages'")
    serve(obj.app)
