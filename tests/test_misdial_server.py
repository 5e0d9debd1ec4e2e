"""A server reached on the wrong port or with the wrong security is named for what it is, in the
admin's language: by `mailflow doctor`, in the poll's log line and status, and on the outbox row.

The real loopback servers: Dovecot's plain IMAP port and the SMTP relay, each dialled as the other,
and TLS spoken to a port that answers in plain text.
"""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlmodel import Session, select

from mailflow.cli import cli
from mailflow.domain import Said
from mailflow.net.misdial import misdial
from mailflow.storage.models import MailboxState, OutboxMessage
from tests.support.imapserver import free_port
from tests.support.letters import gmail_forward, pdf_letter
from tests.support.relay import start_relay
from tests.support.tls import self_signed, server_context


def _doctor(office) -> str:
    result = CliRunner().invoke(cli, ["--config", str(office.config_path), "doctor", "--no-probe"])
    assert result.exit_code == 1, result.output
    return " ".join(result.output.split())


def _dial(office, imap=(None, ""), smtp=(None, ""), extra: str = "") -> None:
    """Point the mailbox and/or [smtp] at another port and security, as a typo in the config would."""
    servers = office.servers
    text = office.config_path.read_text()
    head, _, boxes = text.partition("[[mailboxes]]")  # [smtp] comes first
    parts = []
    for part, (port, security), now in ((head, smtp, servers.submission_port), (boxes, imap, servers.imap.imap_port)):
        old = f'port = {now}\nsecurity = "none"'
        parts.append(part if port is None else part.replace(old, f'port = {port}\nsecurity = "{security}"'))
    text = "[[mailboxes]]".join(parts)
    office.config_path.write_text(extra + "\n" + text)
    office._app = None


def test_tls_spoken_to_a_plain_port_says_to_use_starttls(office):
    imap, smtp = office.servers.imap.imap_port, office.servers.submission_port
    _dial(office, imap=(imap, "tls"), smtp=(smtp, "tls"))
    said = _doctor(office)
    assert f'GAGAL imap surat surat@127.0.0.1:{imap}: tidak dapat masuk: port {imap} menjawab tanpa TLS: setel security = "starttls"' in said
    assert f'GAGAL smtp 127.0.0.1:{smtp}: port {smtp} menjawab tanpa TLS: setel security = "starttls"' in said
    assert "WRONG_VERSION_NUMBER" not in said


def test_imap_and_smtp_ports_swapped_are_named_in_the_admins_language(office):
    imap, smtp = office.servers.imap.imap_port, office.servers.submission_port
    _dial(office, imap=(smtp, "none"), smtp=(imap, "none"), extra='language = "en"\nlog_format = "json"')
    said = _doctor(office)
    assert f"port {smtp} is an SMTP server, not IMAP: set the mailbox's port" in said
    assert f"port {imap} is an IMAP server, not SMTP: set the [smtp] port" in said
    assert "unexpected response" not in said and "Malformed SMTP response" not in said

    # The running service says the same in its log line, the mailbox's status and the outbox row.
    error = (
        f"surat@127.0.0.1:{smtp}: cannot log in: port {smtp} is an SMTP server, not IMAP: "
        "set the mailbox's port to the server's IMAP port (993 or 143)"
    )
    run = CliRunner().invoke(cli, ["--config", str(office.config_path), "poll", "--once"])
    [logged] = [json.loads(line) for line in run.stderr.splitlines() if "poll_failed" in line]
    assert logged["error"] == error, run.stderr
    with Session(office.app.engine) as session:
        state = session.get(MailboxState, "surat")
        assert state is not None and state.last_error == error
    status = CliRunner().invoke(cli, ["--config", str(office.config_path), "status", "--json"])
    assert error in status.output

    # A receipt stuck in the outbox says why.
    office.write_config()
    _dial(office, smtp=(imap, "none"), extra='language = "en"')
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    office.poll()
    with Session(office.app.engine) as session:
        errors = {row.last_error for row in session.exec(select(OutboxMessage))}
    assert errors == {f"port {imap} is an IMAP server, not SMTP: set the [smtp] port to the server's SMTP port (587, 465 or 25)"}


def test_a_tls_port_dialled_without_tls_says_to_use_tls(office, servers, tmp_path):
    """Port 465's way (TLS from the first byte) with security = "starttls": the server waits for a
    handshake, the client for a greeting; the admin is told which setting ends the wait."""
    cert, key = self_signed(tmp_path)
    port = free_port()
    controller, _relay = start_relay(servers.imap, port, tls=server_context(cert, key))
    try:
        _dial(office, smtp=(port, "starttls"))
        office.config_path.write_text(office.config_path.read_text().replace("[smtp]\n", "[smtp]\ntimeout = 2\n"))
        said = _doctor(office)
        assert f'GAGAL smtp 127.0.0.1:{port}: port {port} tidak menyapa' in said and 'security = "tls"' in said
    finally:
        controller.stop()


def test_imaps_port_timing_out_without_tls_is_named_but_another_silence_is_not():
    assert misdial(TimeoutError("timed out"), "imap", 993, "starttls") == Said.of("connect.silent_port", port=993)
    assert misdial(TimeoutError("timed out"), "imap", 993, "tls") is None
    assert misdial(TimeoutError("timed out"), "imap", 143, "none") is None  # a firewall, a dead host


def test_starttls_asked_of_a_server_without_it_names_the_setting(office):
    """The demo's loopback IMAP server and the relay offer no STARTTLS: the admin who set
    security = "starttls" is told which setting works, not the library's CapabilityError."""
    imap, smtp = office.servers.imap.imap_port, office.servers.submission_port
    _dial(office, imap=(imap, "starttls"), smtp=(smtp, "starttls"))
    said = _doctor(office)
    assert f"port {imap} tidak menawarkan STARTTLS" in said and f"port {smtp} tidak menawarkan STARTTLS" in said, said
    assert "CapabilityError" not in said and "extension not supported" not in said


def test_a_failed_poll_is_not_reported_as_nothing_new(office):
    smtp = office.servers.submission_port
    _dial(office, imap=(smtp, "none"))
    run = CliRunner().invoke(cli, ["--config", str(office.config_path), "poll", "--once"])
    said = " ".join(run.stdout.split())
    assert run.exit_code == 2 and f"surat: galat: surat@127.0.0.1:{smtp}: tidak dapat masuk" in said, said
    assert "tidak ada yang baru" not in said
