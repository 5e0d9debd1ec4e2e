"""`mailflow auth login` and `auth status`: OAuth2 sign-in for Gmail and Microsoft 365 accounts."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import click
from rich.table import Table

from mailflow.cli.base import CliState, cli, console, escape, json_option, local_time, pass_obj, show
from mailflow.errors import ConfigError


@cli.group()
def auth() -> None:
    """OAuth2 sign-in of the mailboxes (and SMTP) that use provider presets or auth = "xoauth2"."""


@auth.command()
@click.argument("account")
@click.option("--no-browser", is_flag=True, help="only print the address (browser flow)")
@pass_obj
def login(obj: CliState, account: str, no_browser: bool) -> None:
    """Sign ACCOUNT (a mailbox name, or "smtp") in and keep its refresh token (0600)."""
    import webbrowser

    from mailflow.oauth.login import login as run_login

    accounts = obj.settings.oauth_accounts()
    if account not in accounts:
        raise ConfigError(
            f"{account!r} does not sign in with OAuth2; accounts that do: {', '.join(accounts) or 'none'}"
        )
    oauth = accounts[account]
    tokens = run_login(
        account,
        oauth,
        say=lambda text: console.print(escape(text)),
        open_browser=(lambda url: False) if no_browser else webbrowser.open,
    )
    until = _time(tokens.get("expires_at"), obj.settings.zone)
    console.print(escape(f"{account}: signed in; token kept in {oauth.token_file} (valid until {until})"))


@auth.command()
@json_option
@pass_obj
def status(obj: CliState, as_json: bool) -> None:
    """Which accounts sign in with OAuth2, whether their token is kept, and until when it is valid."""
    from mailflow.oauth.tokens import token_state

    rows = [
        AccountRow(
            account,
            oauth.flow,
            str(oauth.token_file),
            state.present,
            _time(state.expires_at, obj.settings.zone),
            _time(state.refreshed_at, obj.settings.zone),
            state.scopes,
        )
        for account, oauth in obj.settings.oauth_accounts().items()
        for state in [token_state(oauth)]
    ]

    def table() -> Table:
        t = Table("account", "flow", "signed in", "access token until", "last refresh", "token file")
        for r in rows:
            t.add_row(
                escape(r.account),
                r.flow,
                "yes" if r.signed_in else f"[red]no[/red]: mailflow auth login {escape(r.account)}",
                r.expires_at or "-",
                r.refreshed_at or "-",
                escape(r.token_file),
            )
        return t

    show([dataclasses.asdict(r) for r in rows], as_json, table)


@dataclasses.dataclass(frozen=True)
class AccountRow:
    account: str
    flow: str
    token_file: str
    signed_in: bool
    expires_at: str | None
    refreshed_at: str | None
    scopes: str


def _time(stamp: float | None, zone: ZoneInfo) -> str | None:
    if not stamp:
        return None
    return local_time(dt.datetime.fromtimestamp(float(stamp), dt.UTC), zone)
