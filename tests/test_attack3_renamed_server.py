"""Attack (issue 25 change): "a letter of a mailbox since renamed is answered from its office's
mailbox (Context.mailbox_of)". The scan jobs use it now; an admin's release of a message held
from a mailbox since renamed still looks the old name up (Settings.mailbox), and is refused."""

from __future__ import annotations

import json

from click.testing import CliRunner

from mailflow.cli import cli
from tests.support.letters import MAILBOX, original_letter


def _cli(office, *args: str):
    return CliRunner().invoke(cli, ["--config", str(office.config_path), *args])


def _held_then_renamed(office) -> int:
    office.mail.send(original_letter(), to=MAILBOX)
    assert office.poll().outcomes == {"quarantined": 1}
    [item] = json.loads(_cli(office, "quarantine", "list", "--json").output)
    office.config_path.write_text(
        office.config_path.read_text().replace('name = "surat"', 'name = "masuk"', 1)
    )
    office._app = None
    return int(item["id"])


def test_a_held_message_is_still_listed_after_its_mailbox_is_renamed(office):
    ident = _held_then_renamed(office)
    [item] = json.loads(_cli(office, "quarantine", "list", "--json").output)
    assert item["id"] == ident and item["reason"] == "direct_letter"


def test_a_message_held_from_a_mailbox_since_renamed_can_be_released(office):
    ident = _held_then_renamed(office)
    result = _cli(office, "quarantine", "release", str(ident))
    assert result.exit_code == 0, result.output
    assert "dilepas: dicatat sebagai 001/SM/" in result.output
