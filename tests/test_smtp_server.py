"""SMTP as offices have it: submission on 465 (TLS) and 587 (STARTTLS) with AUTH, a server that
offers no AUTH although a login is configured, a server that takes small messages only, and the
server's own words in every failure log."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import Session, select

from mailflow.outbound import outbox
from mailflow.storage.models import OutboxMessage
from tests.support.dovecot import free_port
from tests.support.inbox import Inbox
from tests.support.letters import CLERK, gmail_forward, pdf_letter, photographed_pdf
from tests.support.mail import text_of
from tests.support.relay import start_relay
from tests.support.tls import self_signed, server_context


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return self_signed(tmp_path_factory.mktemp("tls"))


def _rows(office) -> list[OutboxMessage]:
    with Session(office.app.engine) as session:
        return list(session.exec(select(OutboxMessage)).all())


def _submit_through(office, port: int, security: str, ca: str = "", password: str = "secret") -> None:
    """Point the office's [smtp] at another server: `port`, `security`, and a login."""
    office.smtp_extra = f'username = "{CLERK}"\npassword = "{password}"\n' + (
        f'tls_ca_file = "{ca}"\n' if ca else ""
    )
    office.write_config()
    text = office.config_path.read_text()
    smtp = f'port = {office.servers.submission_port}\nsecurity = "none"'
    office.config_path.write_text(text.replace(smtp, f'port = {port}\nsecurity = "{security}"', 1))
    office._app = None


@pytest.mark.parametrize("mode", ["tls", "starttls"])
def test_receipts_go_out_through_an_authenticated_submission_port(office, servers, certificate, mode):
    cert, key = certificate
    port = free_port()
    context = server_context(cert, key)
    tls = {"tls": {"tls": context}, "starttls": {"starttls": context}}[mode]
    controller, relay = start_relay(servers.imap, port, auth=True, **tls)
    try:
        _submit_through(office, port, mode, ca=str(cert))
        office.mail.send(gmail_forward(pdf=pdf_letter()))
        assert office.poll().outcomes == {"letter": 1}
        rows = _rows(office)
        assert rows and {r.status for r in rows} == {"sent"}  # the receipt and the request
        assert [CLERK] in [rcpts for _sender, rcpts, _data in relay.accepted]
    finally:
        controller.stop()


def test_a_server_without_auth_while_a_login_is_configured_is_a_clear_error(office, servers, caplog):
    port = free_port()
    controller, _relay = start_relay(servers.imap, port, offer_auth=False)
    try:
        _submit_through(office, port, "none")
        office.mail.send(gmail_forward(pdf=pdf_letter()))
        with caplog.at_level(logging.WARNING, logger="mailflow.outbound.outbox"):
            office.poll()
        row = _rows(office)[0]
        assert row.status == "pending" and "offers no AUTH, but smtp.username is set" in row.last_error
        assert "submission port" in caplog.text
        assert "secret" not in caplog.text and "secret" not in row.last_error
    finally:
        controller.stop()


def test_a_refusal_is_logged_with_the_servers_own_words(office, servers, caplog):
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    servers.relay.refuse = True
    servers.relay.refuse_text = "550 5.7.1 Relaying denied for agenda@probolinggokab.example"
    try:
        with caplog.at_level(logging.WARNING, logger="mailflow.outbound.outbox"):
            office.poll()
    finally:
        servers.relay.refuse_text = "451 4.3.0 try again later"
    assert "550 5.7.1 Relaying denied" in caplog.text
    assert "550 5.7.1 Relaying denied" in _rows(office)[0].last_error


def test_a_wrong_password_names_the_reply_not_the_password(office, servers, caplog):
    port = free_port()
    controller, _relay = start_relay(servers.imap, port, auth=True)
    try:
        _submit_through(office, port, "none", password="Wr0ng-pw")
        office.mail.send(gmail_forward(pdf=pdf_letter()))
        with caplog.at_level(logging.WARNING, logger="mailflow.outbound.outbox"):
            office.poll()
        assert "535" in caplog.text and "Wr0ng-pw" not in caplog.text
        assert outbox.MAX_ATTEMPTS > _rows(office)[0].attempts >= 1
    finally:
        controller.stop()



def test_a_request_fits_what_the_relay_takes(office, servers):
    """Postfix takes 10 MB by default; a scan under `attach_max_bytes` can still make a request
    past the relay's SIZE once base64 grows it by a third, and the relay would refuse it at every
    try: the head would never hear of the letter. The request goes without the scan, saying so."""
    port = free_port()
    controller, _relay = start_relay(servers.imap, port, size=700_000)
    try:
        office.reconfigure(extra="max_message_bytes = 5000000")  # what comes in is not the relay's to say
        text = office.config_path.read_text()
        office.config_path.write_text(text.replace(f"port = {servers.submission_port}", f"port = {port}", 1))
        office._app = None
        scan = photographed_pdf()
        assert 500_000 < len(scan) < office.app.settings.attach_max_bytes
        office.mail.send(gmail_forward(pdf=scan, original_subject="Dokumentasi Kegiatan"))
        assert office.poll().outcomes == {"letter": 1}
        rows = _rows(office)
        assert {(r.kind, r.status) for r in rows} == {("receipt", "sent"), ("request", "sent")}, [
            (r.kind, r.status, r.last_error) for r in rows
        ]
        request = Inbox(office).next(f"kadis@{CLERK.partition('@')[2]}", "Mohon disposisi")
        assert not [p for p in request.walk() if p.get_filename()]
        assert "Pindaian terlalu besar untuk dilampirkan" in text_of(request)
    finally:
        controller.stop()
