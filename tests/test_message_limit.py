"""The message size limit in force: the config's when set, else what the office's server
announces (IMAP APPENDLIMIT, SMTP SIZE), else the fallback; memory no longer sets it."""

from __future__ import annotations

from mailflow.config import UNANNOUNCED_LIMIT, Settings


def test_an_explicit_setting_overrides_what_the_servers_announce() -> None:
    assert Settings(max_message_bytes=20_000).message_limit(35_000_000, 50_000_000) == 20_000


def test_unset_it_follows_the_first_server_that_announces_a_size() -> None:
    settings = Settings()
    assert settings.max_message_bytes is None
    assert settings.message_limit(50_000_000, 35_000_000) == 50_000_000  # APPENDLIMIT first
    assert settings.message_limit(None, 35_000_000) == 35_000_000  # then the relay's SIZE
    assert settings.message_limit(None, 0) == UNANNOUNCED_LIMIT  # SIZE 0: no fixed limit named
    assert settings.message_limit() == UNANNOUNCED_LIMIT
