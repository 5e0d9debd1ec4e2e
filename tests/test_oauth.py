"""OAuth2 sign-in against a local authorization server: the first sign-in (device code and
browser), refresh before expiry, and a refused refresh told once, never hammered."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import httpx2
import pytest
from click.testing import CliRunner

from mailflow.cli import cli
from mailflow.config import OAuthSettings, settings_from_dict
from mailflow.errors import ConfigError, SignInError
from mailflow.oauth.login import login
from mailflow.oauth.tokens import TokenBroker, read_tokens, write_tokens
from tests.support.oauth import CLIENT_ID, TokenServer

ACCOUNT = "surat@probolinggokab.example"


@pytest.fixture
def tokens_server():
    server = TokenServer(ACCOUNT)
    yield server
    server.stop()


def settings_for(
    server: TokenServer, tmp_path: Path, flow: str = "device", margin: float = 300
) -> OAuthSettings:
    return OAuthSettings(
        client_id=CLIENT_ID,
        flow=flow,
        token_url=f"{server.url}/token",
        device_authorization_url=f"{server.url}/devicecode",
        authorize_url=f"{server.url}/authorize",
        scopes=("mail",),
        token_file=tmp_path / "oauth" / "surat.json",
        refresh_margin=margin,
    )


def test_device_code_login_keeps_a_private_token_file(tokens_server, tmp_path):
    oauth = settings_for(tokens_server, tmp_path)
    said: list[str] = []
    tokens = login("surat", oauth, said.append, sleep=lambda s: None)
    assert "MFLW-TEST" in said[0]  # the code the admin types on another device
    assert tokens_server.grants.active(tokens["access_token"]) == ACCOUNT
    assert stat.S_IMODE(os.stat(oauth.token_file).st_mode) == 0o600
    assert read_tokens(oauth.token_file)["refresh_token"] == tokens["refresh_token"]


def test_browser_login_with_pkce_and_a_loopback_redirect(tokens_server, tmp_path):
    oauth = settings_for(tokens_server, tmp_path, flow="browser")

    def browser(url: str) -> None:  # the admin's browser: signs in, follows the redirect home
        assert "code_challenge=" in url and "code_challenge_method=S256" in url
        httpx2.get(url, follow_redirects=True, timeout=10)

    tokens = login("surat", oauth, lambda text: None, open_browser=browser, timeout=20)
    assert tokens_server.grants.active(tokens["access_token"]) == ACCOUNT


def test_a_token_is_refreshed_before_it_expires_and_kept(tokens_server, tmp_path):
    oauth = settings_for(tokens_server, tmp_path, margin=60)
    first = login("surat", oauth, lambda text: None, sleep=lambda s: None)
    broker = TokenBroker()
    assert broker.access_token("surat", oauth) == first["access_token"]  # an hour left: no refresh
    assert tokens_server.grants.refreshes == 0
    later = TokenBroker(clock=lambda: time.time() + 3600 - 30)  # 30 s left, inside the margin
    fresh = later.access_token("surat", oauth)
    assert fresh != first["access_token"] and tokens_server.grants.active(fresh) == ACCOUNT
    assert tokens_server.grants.refreshes == 1
    assert read_tokens(oauth.token_file)["access_token"] == fresh


def test_a_refused_refresh_token_is_told_once_and_not_asked_again_until_a_new_login(tokens_server, tmp_path):
    oauth = settings_for(tokens_server, tmp_path, margin=60)
    tokens = login("surat", oauth, lambda text: None, sleep=lambda s: None)
    tokens["expires_at"] = time.time() - 1
    write_tokens(oauth.token_file, tokens)
    tokens_server.grants.revoke_all()
    broker = TokenBroker()
    with pytest.raises(SignInError, match=r"invalid_grant.*mailflow auth login surat") as first:
        broker.access_token("surat", oauth)
    assert tokens["refresh_token"] not in str(first.value)  # no secret in the message
    calls = tokens_server.grants.refreshes
    for _ in range(5):
        with pytest.raises(SignInError):
            broker.access_token("surat", oauth)
    assert tokens_server.grants.refreshes == calls  # the endpoint was not asked again
    time.sleep(0.01)
    login("surat", oauth, lambda text: None, sleep=lambda s: None)  # the admin signs in again
    assert tokens_server.grants.active(broker.access_token("surat", oauth)) == ACCOUNT


def test_an_unreachable_token_endpoint_is_retried_next_time(tokens_server, tmp_path):
    oauth = settings_for(tokens_server, tmp_path, margin=60)
    tokens = login("surat", oauth, lambda text: None, sleep=lambda s: None)
    tokens["expires_at"] = time.time() - 1
    write_tokens(oauth.token_file, tokens)
    down = oauth.model_copy(update={"token_url": "http://127.0.0.1:9/token"})
    broker = TokenBroker()
    with pytest.raises(SignInError, match="unreachable"):
        broker.access_token("surat", down)
    assert tokens_server.grants.active(broker.access_token("surat", oauth)) == ACCOUNT


def test_no_token_yet_says_which_command_signs_in(tmp_path, tokens_server):
    with pytest.raises(SignInError, match="mailflow auth login surat"):
        TokenBroker().access_token("surat", settings_for(tokens_server, tmp_path))


def _config(tmp_path: Path, mailbox: dict, smtp: dict | None = None):
    box = {"name": "surat", "address": ACCOUNT, "username": ACCOUNT, **mailbox}
    return settings_from_dict({"mailboxes": [box], "smtp": smtp or {}}, tmp_path / "config.toml")


def test_provider_presets_fill_hosts_ports_and_scopes_and_explicit_keys_win(tmp_path):
    gmail = _config(tmp_path, {"provider": "gmail", "oauth": {"client_id": "x"}}).mailboxes[0]
    assert (gmail.host, gmail.port, gmail.security, gmail.auth) == ("imap.gmail.com", 993, "tls", "xoauth2")
    assert gmail.oauth.flow == "browser" and gmail.oauth.scopes == ("https://mail.google.com/",)
    assert gmail.oauth.token_file == tmp_path / "storage" / "oauth" / "surat.json"
    m365 = _config(tmp_path, {"provider": "m365", "port": 1993, "oauth": {"client_id": "x", "tenant": "kab"}})
    box = m365.mailboxes[0]
    assert (box.host, box.port) == ("outlook.office365.com", 1993)
    assert box.oauth.token_url == "https://login.microsoftonline.com/kab/oauth2/v2.0/token"
    assert "offline_access" in box.oauth.scopes


def test_smtp_shares_the_mailbox_token_or_says_what_is_missing(tmp_path):
    box = {"provider": "m365", "oauth": {"client_id": "x"}}
    settings = _config(tmp_path, box, {"provider": "m365", "username": ACCOUNT, "oauth_mailbox": "surat"})
    assert (settings.smtp.host, settings.smtp.port, settings.smtp.security) == (
        "smtp.office365.com",
        587,
        "starttls",
    )
    assert settings.smtp_oauth()[0] == "surat"
    with pytest.raises(ConfigError, match="oauth_mailbox naming a mailbox with OAuth2"):
        _config(tmp_path, box, {"provider": "m365", "username": ACCOUNT})
    with pytest.raises(ConfigError, match="unknown provider 'yahoo'"):
        _config(tmp_path, {"provider": "yahoo"})


def test_auth_status_and_login_from_the_command_line(tokens_server, tmp_path):
    oauth = (
        f'client_id = "{CLIENT_ID}"\ntoken_url = "{tokens_server.url}/token"\n'
        f'device_authorization_url = "{tokens_server.url}/devicecode"\nscopes = ["mail"]\n'
    )
    config = tmp_path / "config.toml"
    config.write_text(
        f'[[mailboxes]]\nname = "surat"\naddress = "{ACCOUNT}"\nusername = "{ACCOUNT}"\n'
        f'auth = "xoauth2"\n[mailboxes.oauth]\n{oauth}'
    )
    runner = CliRunner()
    before = runner.invoke(cli, ["--config", str(config), "auth", "status", "--json"])
    assert before.exit_code == 0 and '"signed_in": false' in before.output
    done = runner.invoke(cli, ["--config", str(config), "auth", "login", "surat"])
    assert done.exit_code == 0, done.output
    assert "MFLW-TEST" in done.output and "signed in" in done.output
    after = runner.invoke(cli, ["--config", str(config), "auth", "status", "--json"])
    assert '"signed_in": true' in after.output
    assert tokens_server.grants.access  # a real token was handed out
    wrong = runner.invoke(cli, ["--config", str(config), "auth", "login", "smtp"])
    assert wrong.exit_code != 0 and "accounts that do: surat" in str(wrong.exception)
