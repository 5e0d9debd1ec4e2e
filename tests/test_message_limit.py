"""The message size limit in force: the config's when set, else what the office's server
announces (IMAP APPENDLIMIT, SMTP SIZE), else the fallback; memory no longer sets it. And the
scans a request carries: no more than the relay takes once they are encoded."""

from __future__ import annotations

from mailflow.config import REQUEST_HEADROOM, UNANNOUNCED_LIMIT, Settings


def test_an_explicit_setting_overrides_what_the_servers_announce() -> None:
    assert Settings(max_message_bytes=20_000).message_limit(35_000_000, 50_000_000) == 20_000


def test_unset_it_follows_the_first_server_that_announces_a_size() -> None:
    settings = Settings()
    assert settings.max_message_bytes is None
    assert settings.message_limit(50_000_000, 35_000_000) == 50_000_000  # APPENDLIMIT first
    assert settings.message_limit(None, 35_000_000) == 35_000_000  # then the relay's SIZE
    assert settings.message_limit(None, 0) == UNANNOUNCED_LIMIT  # SIZE 0: no fixed limit named
    assert settings.message_limit() == UNANNOUNCED_LIMIT


def test_a_request_carries_scans_only_as_large_as_the_relay_takes_once_encoded() -> None:
    settings = Settings()
    assert settings.attach_limit(None) == settings.attach_limit(0) == settings.attach_max_bytes
    assert settings.attach_limit(50_000_000) == settings.attach_max_bytes  # room to spare
    postfix = 10_240_000  # Postfix's default message_size_limit
    limit = settings.attach_limit(postfix)
    assert limit < settings.attach_max_bytes
    # base64 at 76 characters a line plus CRLF: what the scans become on the wire, with the
    # request's own text and headers, still fits the relay's SIZE.
    lines = -(-limit // 57)
    assert lines * 78 + REQUEST_HEADROOM <= postfix
    assert settings.attach_limit(REQUEST_HEADROOM // 2) == 0  # too small for any scan
