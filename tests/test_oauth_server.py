"""OAuth2 against the matrix's Dovecot with an oauth2 passdb: OAUTHBEARER as well as XOAUTH2,
and a refresh token the provider revokes: one clear email to the admin, `status` says so, and
the token endpoint is not hammered by every poll."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mailflow.cli import cli
from tests.support.dovecot import PASSWORD
from tests.support.letters import gmail_forward, pdf_letter
from tests.test_server_matrix import _start

ADMIN = "admin@probolinggokab.example"


@pytest.fixture(scope="module")
def oauth_matrix():
    started = _start("dovecot-oauth2")
    yield started
    started.stop()


@pytest.fixture
def oauth_office(oauth_matrix, tmp_path, monkeypatch, database_url):
    oauth_matrix.servers.imap.wipe_mail()
    monkeypatch.setenv("MAILFLOW_TEST_IMAP_PASSWORD", PASSWORD)
    return oauth_matrix.office(tmp_path, database_url)


def test_oauthbearer_signs_in_as_well(oauth_office):
    oauth_office.box_tables = oauth_office.box_tables.replace('auth = "xoauth2"', 'auth = "oauthbearer"')
    oauth_office.reconfigure()
    oauth_office.mail.send(gmail_forward(pdf=pdf_letter()))
    report = oauth_office.poll()
    assert report.error is None and report.outcomes == {"letter": 1}


def test_a_revoked_refresh_token_tells_the_admin_once_and_stops_asking(oauth_matrix, oauth_office):
    # SMTP on the plain relay here: with the same revoked token the alert could not go out at all.
    servers = oauth_matrix.servers
    oauth_office.smtp_extra = ""
    oauth_office.reconfigure(extra="mailbox_alert_after = 3600")
    text = oauth_office.config_path.read_text()
    oauth_office.config_path.write_text(
        text.replace(f"port = {servers.submission_port}\n", f"port = {servers.smtp_port}\n", 1)
    )
    grants = oauth_matrix.tokens.grants
    grants.revoke_all()
    token_file = oauth_office.app.settings.mailboxes[0].oauth.token_file
    data = json.loads(token_file.read_text())
    data["expires_at"] = 0  # expired: the next sign-in must refresh, and is refused
    token_file.write_text(json.dumps(data))
    first = oauth_office.poll()
    assert first.error and "invalid_grant" in first.error and "mailflow auth login surat" in first.error
    asked = grants.refreshes_refused
    for _ in range(3):
        assert oauth_office.poll().error == first.error
    assert grants.refreshes_refused == asked  # remembered: the endpoint was asked once
    alert = oauth_office.mail.wait_for(ADMIN, lambda m: "gagal sejak" in str(m["Subject"]))
    assert "mailflow auth login surat" in alert.get_body(("plain",)).get_content()
    assert oauth_office.mail.count(ADMIN) == 1  # at once, despite mailbox_alert_after, and once
    status = CliRunner().invoke(cli, ["--config", str(oauth_office.config_path), "status", "--json"])
    assert status.exit_code == 2 and "invalid_grant" in status.output  # CRITICAL: waiting will not heal it
    assert "mailflow auth login surat" in " ".join(f["text"] for f in json.loads(status.output)["findings"])
