"""The mail-server matrix: the short scenario (letter -> request -> reply -> confirmation) and the
crash and duplicate guarantees, against every kind of server an office may have. The suite's
default server (Dovecot as Debian ships it, "." between folders) runs the full scenario elsewhere.

    dovecot-slash  Dovecot with "/" as the separator
    dovecot-bare   Dovecot without MOVE and IDLE (COPY + UID EXPUNGE, polling only)
    courier        Courier-IMAP: folders under "INBOX.", Maildir delivery
    cyrus          Cyrus IMAP 3.6: folders under "INBOX.", LMTP delivery
    dovecot-oauth2 Dovecot checking XOAUTH2 bearer tokens against a local token endpoint, and an
                   SMTP submission server that accepts only XOAUTH2; tokens live 4 s, so they
                   expire during the run and must be refreshed
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from imapclient import IMAPClient

from mailflow.cli import cli
from mailflow.oauth.login import login
from tests import test_backup_server as backups
from tests import test_intake_guarantees as guarantees
from tests.conftest import USERS, Office, Servers
from tests.support import clients, courier, cyrus
from tests.support.dovecot import BARE_CAPABILITIES, PASSWORD, Dovecot, free_port
from tests.support.letters import MAILBOX, gmail_forward, pdf_letter
from tests.support.mail import Mail, text_of
from tests.support.oauth import CLIENT_ID, TokenServer
from tests.support.relay import start_relay

KINDS = ["dovecot-slash", "dovecot-bare", "courier", "cyrus", "dovecot-oauth2"]
D = "@probolinggokab.example"
KADIS, SEKRETARIS = f"kadis{D}", f"sekretaris{D}"
TOKEN_LIFETIME = 4.0


@dataclass
class Matrix:
    kind: str
    servers: Servers
    controllers: list
    tokens: TokenServer | None = None

    def office(self, tmp_path: Path, database_url: str) -> Office:
        box_tables = smtp_extra = ""
        if self.tokens is not None:
            oauth = (
                f'client_id = "{CLIENT_ID}"\ntoken_url = "{self.tokens.url}/token"\n'
                f'device_authorization_url = "{self.tokens.url}/devicecode"\nscopes = ["mail"]\n'
                "refresh_margin = 1\n"
            )
            box_tables = f'auth = "xoauth2"\n[mailboxes.oauth]\n{oauth}'
            smtp_extra = f'username = "{MAILBOX}"\nauth = "xoauth2"\noauth_mailbox = "surat"\n'
        office = Office(
            tmp_path, self.servers, database_url=database_url, smtp_extra=smtp_extra, box_tables=box_tables
        )
        if self.tokens is not None:  # what `mailflow auth login surat` does, once
            box = office.app.settings.mailboxes[0]
            login("surat", box.oauth, lambda text: None, sleep=lambda s: None)
        return office

    def stop(self) -> None:
        for controller in self.controllers:
            controller.stop()
        self.servers.imap.cleanup()
        if self.tokens is not None:
            self.tokens.stop()


def _start(kind: str) -> Matrix:
    tokens = None
    if kind in ("courier", "cyrus"):
        why = (courier if kind == "courier" else cyrus).missing()
        if why:
            pytest.skip(why)
        server = courier.Courier(USERS) if kind == "courier" else cyrus.Cyrus(USERS)
    elif kind == "dovecot-slash":
        server = Dovecot(USERS, separator="/")
    elif kind == "dovecot-bare":
        server = Dovecot(USERS, capabilities=BARE_CAPABILITIES)
    else:
        tokens = TokenServer(MAILBOX, lifetime=TOKEN_LIFETIME)
        server = Dovecot(USERS, oauth_url=f"{tokens.url}/introspect")
    server.start()
    smtp_port = free_port()
    controller, relay = start_relay(server, smtp_port)
    controllers = [controller]
    submission = 0
    if tokens is not None:
        submission = free_port()
        controllers.append(start_relay(server, submission, auth=True, grants=tokens.grants)[0])
    servers = Servers(server, smtp_port, relay, Mail(server, smtp_port), submission)
    return Matrix(kind, servers, controllers, tokens)


@pytest.fixture(scope="module", params=KINDS)
def matrix(request):
    started = _start(request.param)
    yield started
    started.stop()


@pytest.fixture
def office(matrix: Matrix, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Office:
    matrix.servers.imap.wipe_mail()
    monkeypatch.setenv("MAILFLOW_TEST_IMAP_PASSWORD", PASSWORD)
    return matrix.office(tmp_path, database_url)


def _server_folders(matrix: Matrix) -> set[str]:
    with IMAPClient("127.0.0.1", port=matrix.servers.imap.imap_port, ssl=False, timeout=10) as client:
        client.login(MAILBOX, PASSWORD)
        return {name for _flags, _delim, name in client.list_folders()}


def test_letter_request_reply_confirmation(matrix, office):
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    assert office.poll().outcomes == {"letter": 1}
    request = office.mail.wait_for(KADIS, lambda m: "Mohon disposisi" in str(m["Subject"]))
    if matrix.tokens is not None:  # the access token expires; the next sign-in must refresh it
        refreshes = matrix.tokens.grants.refreshes
        time.sleep(TOKEN_LIFETIME + 0.5)
    office.mail.send(clients.gmail_android_id(request, KADIS, "Sekretaris: Pelajari dan Sosialisasikan"))
    report = office.poll()
    assert report.error is None and report.outcomes == {"reply": 1}
    instruction = office.mail.wait_for(SEKRETARIS, lambda m: "Disposisi dari" in str(m["Subject"]))
    assert "Pelajari dan Sosialisasikan" in text_of(instruction)
    confirmation = office.mail.wait_for(KADIS, lambda m: "Dicatat" in str(m["Subject"]))
    assert "Sekretaris Dinas Pendidikan" in text_of(confirmation)
    # both messages left the inbox for the processed folder, named the server's way
    assert office.mail.count(MAILBOX) == 0
    assert office.mail.count(MAILBOX, "Mailflow/Processed") == 2
    assert matrix.servers.imap.folder("Mailflow/Processed") in _server_folders(matrix)
    if matrix.tokens is not None:
        assert matrix.tokens.grants.refreshes > refreshes


def test_doctor_says_what_it_found_on_each_server(matrix, office):
    office.mail.send(gmail_forward(pdf=pdf_letter()))  # the clerk's letter, signed by the office
    office.mail.wait_for(MAILBOX)
    result = CliRunner().invoke(cli, ["--config", str(office.config_path), "doctor", "--no-probe"])
    said = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert "agenda@probolinggokab.example (petugas agenda): 1 pesan, terverifikasi" in said
    with IMAPClient("127.0.0.1", port=matrix.servers.imap.imap_port, ssl=False, timeout=10) as client:
        client.login(MAILBOX, PASSWORD)
        client.select_folder("INBOX", readonly=True)
        assert len(client.search("UNSEEN")) == 1  # read by doctor, still unread
    server = matrix.servers.imap
    assert f"pemisah '{server.delimiter}'" in said
    assert f"Mailflow/Quarantine -> {server.folder('Mailflow/Quarantine')}" in said
    if matrix.kind == "dovecot-bare":
        assert "diperiksa setiap 1 detik (server tidak menawarkan IDLE)" in said
        assert "tanpa MOVE: COPY, lalu UID EXPUNGE" in said
    if matrix.tokens is not None:
        assert said.count("masuk dengan OAuth2 (XOAUTH2)") == 2, said  # IMAP and SMTP


def test_nothing_moves_before_commit_and_an_interrupted_move_is_finished(office):
    guarantees.test_nothing_moves_before_commit_and_an_interrupted_move_is_finished_next_run(office)


def test_sigkill_mid_poll_loses_and_doubles_nothing(office):
    guarantees.test_sigkill_in_the_middle_of_a_poll_loses_and_doubles_nothing(office)


def test_a_new_uidvalidity_files_nothing_twice(office):
    guarantees.test_uidvalidity_change_resyncs_without_refiling(office)


def test_a_restore_files_again_what_the_processed_folder_holds(office, tmp_path):
    backups.rehearse_on(office, tmp_path)
