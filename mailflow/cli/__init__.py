"""The `mailflow` command: one click group (`base.cli`); each `cli_*` module adds a family of
commands (named so, like Mailman's, because their families share names with what they drive:
`cli_backup` drives `ops.backup`)."""

from mailflow.cli import (
    cli_auth,
    cli_backup,
    cli_health,
    cli_letters,
    cli_offices,
    cli_quarantine,
    cli_replies,
    cli_rules,
    cli_service,
    cli_setup,
    cli_systemd,
    cli_web,
)
from mailflow.cli.base import cli, main

__all__ = [
    "cli",
    "cli_auth",
    "cli_backup",
    "cli_health",
    "cli_letters",
    "cli_offices",
    "cli_quarantine",
    "cli_replies",
    "cli_rules",
    "cli_service",
    "cli_setup",
    "cli_systemd",
    "cli_web",
    "main",
]
