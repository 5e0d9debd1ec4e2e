"""Attack (issue 25 change): doctor shows each mailbox's largest message and where the figure
comes from, "as App.message_limit chooses it". The poll learns the relay's SIZE from an EHLO
alone (Sender.announced_size); doctor takes it from its SMTP check, which also signs in, so a
wrong SMTP password hides a SIZE the poll does use."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mailflow.cli import cli
from mailflow.outbound.compose import size_text
from tests.support.dovecot import free_port
from tests.support.letters import CLERK
from tests.support.relay import start_relay


def _doctor(office) -> str:
    result = CliRunner().invoke(cli, ["--config", str(office.config_path), "doctor", "--no-probe"])
    return " ".join(result.output.split())


def _through(office, port: int, password: str) -> None:
    office.smtp_extra = f'username = "{CLERK}"\npassword = "{password}"\n'
    office.write_config()
    text = office.config_path.read_text()
    text = text.replace(f"port = {office.servers.submission_port}", f"port = {port}", 1)
    office.config_path.write_text('admin_language = "en"\n' + text)
    office._app = None


@pytest.mark.parametrize("password", ["secret", "wrong"])
def test_doctor_names_the_relays_size_the_poll_uses(office, password):
    """Signed in or not (a login refused comes after the EHLO that told the SIZE), doctor names
    the figure the poll holds larger messages by."""
    port = free_port()
    controller, _relay = start_relay(office.servers.imap, port, auth=True, size=700_000)
    try:
        _through(office, port, password)
        limit = office.app.message_limit()
        assert limit == 700_000
        said = _doctor(office)
        assert ("FAIL smtp" in said) == (password == "wrong"), said
        assert f"largest message {size_text(limit)}, as the SMTP server announces (SIZE)" in said, said
    finally:
        controller.stop()
