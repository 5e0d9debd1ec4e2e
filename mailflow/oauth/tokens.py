"""Access tokens for IMAP and SMTP, refreshed before they expire from the refresh token that
`mailflow auth login` kept in the account's token file (0600, replaced atomically).

A refused refresh (revoked consent, expired refresh token, a changed password) will not heal by
retrying, so it is remembered: until the token file changes (a new `auth login`), every sign-in
fails at once with the same SignInError, without asking the token endpoint again. The admin hears
of it once (ops/health.py). Tokens never reach a log line or an error message.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mailflow.config import OAuthSettings
from mailflow.errors import SignInError
from mailflow.storage.archive import private_dirs

if TYPE_CHECKING:
    from authlib.integrations.httpx_client import OAuth2Client

log = logging.getLogger(__name__)

HTTP_TIMEOUT = 20.0


@dataclass(frozen=True)
class TokenState:
    """What `auth status` shows of a token file, secrets left out."""

    present: bool
    expires_at: float | None = None
    scopes: str = ""
    refreshed_at: float | None = None


def read_tokens(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise SignInError(f"token file {path} cannot be read ({exc}); run `mailflow auth login`") from exc


def write_tokens(path: Path, tokens: dict) -> None:
    """Write the token file 0600 whatever the umask, replacing the old one in one step."""
    private_dirs(path.parent)
    temp = path.with_suffix(".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(tokens, fh)
    os.chmod(temp, 0o600)
    os.replace(temp, path)


def token_state(oauth: OAuthSettings) -> TokenState:
    tokens = read_tokens(_path(oauth))
    if tokens is None:
        return TokenState(False)
    scopes = str(tokens.get("scope", ""))
    return TokenState(True, tokens.get("expires_at"), scopes, tokens.get("refreshed_at"))


def client_for(oauth: OAuthSettings, **kwargs: object) -> OAuth2Client:
    """An OAuth2 client for the account's app (authlib is imported here: only OAuth2 users pay
    its start-up time)."""
    from authlib.integrations.httpx_client import OAuth2Client

    secret = oauth.secret() or None
    return OAuth2Client(
        client_id=oauth.client_id,
        client_secret=secret,
        token_endpoint_auth_method="client_secret_post" if secret else "none",
        scope=" ".join(oauth.scopes) or None,
        timeout=HTTP_TIMEOUT,
        **kwargs,
    )


class TokenBroker:
    """Hands out valid access tokens; one per process, shared by the IMAP and SMTP edges."""

    def __init__(self, clock=time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._refused: dict[Path, tuple[int, str]] = {}

    def access_token(self, account: str, oauth: OAuthSettings | None) -> str:
        if oauth is None:
            raise SignInError(f"{account}: OAuth2 sign-in is configured without an oauth table")
        path = _path(oauth)
        with self._lock:
            stamp = _stamp(path)
            refused = self._refused.get(path)
            if refused is not None and refused[0] == stamp:
                raise SignInError(refused[1])
            tokens = read_tokens(path)
            if tokens is None or (not tokens.get("refresh_token") and not tokens.get("access_token")):
                raise SignInError(
                    f"{account}: not signed in yet (no token in {path}); run `mailflow auth login {account}`"
                )
            if self.clock() < float(tokens.get("expires_at") or 0) - oauth.refresh_margin:
                return str(tokens["access_token"])
            try:
                return self._refresh(account, oauth, path, tokens)
            except _Unreachable:
                raise
            except SignInError as exc:
                self._refused[path] = (_stamp(path), str(exc))
                raise

    def _refresh(self, account: str, oauth: OAuthSettings, path: Path, tokens: dict) -> str:
        import httpx2
        from authlib.integrations.base_client import OAuthError

        refresh = tokens.get("refresh_token")
        if not refresh:
            raise SignInError(
                f"{account}: the access token has expired and there is no refresh token; "
                f"run `mailflow auth login {account}`"
            )
        try:
            with client_for(oauth) as client:
                fresh = dict(client.refresh_token(oauth.token_url, refresh_token=refresh))
        except OAuthError as exc:
            raise SignInError(
                f"{account}: the token endpoint refused the refresh token ({exc.error}: "
                f"{exc.description or 'no description'}); run `mailflow auth login {account}`"
            ) from exc
        except (httpx2.HTTPError, ValueError) as exc:
            # The endpoint is down or unreachable: that may heal, so it is not remembered.
            raise _Unreachable(f"{account}: token endpoint {oauth.token_url} unreachable: {exc}") from exc
        fresh.setdefault("refresh_token", refresh)  # most providers keep the old one valid
        fresh["refreshed_at"] = self.clock()
        if "expires_at" not in fresh and "expires_in" in fresh:
            fresh["expires_at"] = self.clock() + float(fresh["expires_in"])
        write_tokens(path, fresh)
        log.info("event=oauth_refreshed account=%s expires_in=%s", account, fresh.get("expires_in", "?"))
        return str(fresh["access_token"])


class _Unreachable(SignInError):
    """The token endpoint did not answer; retried at the next sign-in, not remembered."""


def _path(oauth: OAuthSettings) -> Path:
    if oauth.token_file is None:
        raise SignInError("oauth.token_file is not set")
    return oauth.token_file


def _stamp(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0
