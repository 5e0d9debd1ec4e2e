"""The [web] section: checked as an admin writes it, its key never shown."""

from __future__ import annotations

import pytest

from mailflow.config import WebSettings
from mailflow.errors import ConfigError


def test_public_url_must_be_absolute() -> None:
    with pytest.raises(ValueError, match="absolute http"):
        WebSettings(public_url="surat.example.go.id", secret_key="k" * 40)  # type: ignore[arg-type]


def test_the_key_is_long_and_never_in_a_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILFLOW_WEB_KEY", "short")
    web = WebSettings(public_url="https://surat.example.go.id/", secret_key_env="MAILFLOW_WEB_KEY")
    assert web.public_url == "https://surat.example.go.id"
    with pytest.raises(ConfigError, match="at least 32"):
        web.secret()
    inline = WebSettings(public_url="https://x.example", secret_key="s3cret" * 8)  # type: ignore[arg-type]
    assert "s3cret" not in repr(inline) and inline.secret() == "s3cret" * 8
