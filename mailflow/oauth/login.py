"""`mailflow auth login`: obtain the first refresh token, once per account, as a person.

Microsoft 365: the device-code flow (RFC 8628): Mailflow prints a short code, the admin enters it
at microsoft.com/devicelogin on any device, and Mailflow polls until it is approved.
Google: the installed-app flow (RFC 8252) with PKCE: a browser on this machine signs in and is sent
back to a loopback address where Mailflow waits for the code (on a server without a browser,
forward the port over SSH, as the README says).
"""

from __future__ import annotations

import threading
import time
import webbrowser
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer

from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError

from mailflow.config import OAuthSettings
from mailflow.errors import SignInError
from mailflow.oauth.tokens import client_for, write_tokens

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def login(
    account: str,
    oauth: OAuthSettings,
    say: Callable[[str], None],
    open_browser: Callable[[str], object] = webbrowser.open,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = 600.0,
) -> dict:
    """Run the account's flow, keep the tokens in its token file, return them."""
    if oauth.flow == "device":
        tokens = _device(oauth, say, sleep, timeout)
    else:
        tokens = _browser(oauth, say, open_browser, timeout)
    tokens = dict(tokens)
    if not tokens.get("refresh_token"):
        raise SignInError(
            f"{account}: signed in, but the provider gave no refresh token; check that the scopes "
            "include offline access (Microsoft: offline_access)"
        )
    tokens["refreshed_at"] = time.time()
    assert oauth.token_file is not None  # config._resolve gives every oauth table one
    write_tokens(oauth.token_file, tokens)
    return tokens


def _device(oauth: OAuthSettings, say: Callable[[str], None], sleep, timeout: float) -> dict:
    if not oauth.device_authorization_url:
        raise SignInError('flow = "device" needs device_authorization_url (or provider = "m365")')
    with client_for(oauth) as client:
        answer = client.request(
            "POST",
            oauth.device_authorization_url,
            data={"client_id": oauth.client_id, "scope": " ".join(oauth.scopes)},
            withhold_token=True,
        ).json()
        if "device_code" not in answer:
            raise SignInError(f"device authorization refused: {answer.get('error', answer)}")
        say(
            answer.get("message")
            or f"Open {answer['verification_uri']} and enter the code {answer['user_code']}"
        )
        interval = float(answer.get("interval", 5))
        deadline = time.monotonic() + min(timeout, float(answer.get("expires_in", timeout)))
        while time.monotonic() < deadline:
            sleep(interval)
            try:
                return client.fetch_token(
                    oauth.token_url, grant_type=DEVICE_GRANT, device_code=answer["device_code"]
                )
            except OAuthError as exc:
                if exc.error == "authorization_pending":
                    continue
                if exc.error == "slow_down":
                    interval += 5
                    continue
                raise SignInError(f"sign-in refused: {exc.error}: {exc.description or ''}") from exc
    raise SignInError("the code was not entered in time; run `mailflow auth login` again")


class _Catch(BaseHTTPRequestHandler):
    """The loopback redirect target: keeps the first request's path and says it may be closed."""

    caught: list[str]

    def do_GET(self) -> None:
        self.caught.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.end_headers()
        self.wfile.write(b"Mailflow is signed in. You may close this window.\n")

    def log_message(self, *args: object) -> None:
        pass


def _browser(oauth: OAuthSettings, say: Callable[[str], None], open_browser, timeout: float) -> dict:
    if not oauth.authorize_url:
        raise SignInError('flow = "browser" needs authorize_url (or provider = "gmail")')
    caught: list[str] = []
    server = HTTPServer(("127.0.0.1", 0), type("Catch", (_Catch,), {"caught": caught}))
    server.timeout = 1
    redirect = f"http://127.0.0.1:{server.server_address[1]}/"
    verifier = generate_token(64)
    try:
        with client_for(oauth, redirect_uri=redirect, code_challenge_method="S256") as client:
            url, state = client.create_authorization_url(
                oauth.authorize_url, code_verifier=verifier, access_type="offline", prompt="consent"
            )
            say(f"Open this address in a browser on this machine and sign in:\n{url}")
            threading.Thread(target=open_browser, args=(url,), daemon=True).start()
            deadline = time.monotonic() + timeout
            while not caught and time.monotonic() < deadline:
                server.handle_request()
            if not caught:
                raise SignInError("no sign-in came back in time; run `mailflow auth login` again")
            try:
                return client.fetch_token(
                    oauth.token_url,
                    authorization_response=redirect.rstrip("/") + caught[0],
                    code_verifier=verifier,
                    state=state,
                )
            except OAuthError as exc:
                raise SignInError(f"sign-in refused: {exc.error}: {exc.description or ''}") from exc
    finally:
        server.server_close()
