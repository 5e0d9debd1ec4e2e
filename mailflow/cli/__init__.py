"""The `mailflow` command: one click group (`base.cli`); each module adds a family of commands."""

from mailflow.cli import (
    auth,
    backup,
    health,
    letters,
    offices,
    quarantine,
    replies,
    rules,
    service,
    setup,
    systemd,
    web,
)
from mailflow.cli.base import cli, main

__all__ = [
    "auth",
    "backup",
    "cli",
    "health",
    "letters",
    "main",
    "offices",
    "quarantine",
    "replies",
    "rules",
    "service",
    "setup",
    "systemd",
    "web",
]
