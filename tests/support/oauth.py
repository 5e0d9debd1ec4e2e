"""A local OAuth2 authorization server on loopback, playing Google's and Microsoft's part: the
device-code flow (RFC 8628), the authorization-code flow with PKCE and a loopback redirect
(RFC 8252), refresh tokens that can be revoked, and token introspection (RFC 7662) for
Dovecot's oauth2 passdb. Access tokens live `lifetime` seconds, so a test can watch one expire.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

CLIENT_ID = "mailflow-test-client"


@dataclass
class Grants:
    """What the server has handed out; tests read and change it."""

    account: str
    lifetime: float = 3600.0
    access: dict[str, tuple[str, float]] = field(default_factory=dict)
    refresh: dict[str, str] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    codes: dict[str, str] = field(default_factory=dict)  # code -> PKCE challenge
    devices: dict[str, int] = field(default_factory=dict)  # device code -> polls so far
    refreshes: int = 0
    refreshes_refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, refresh_token: str | None = None) -> dict:
        token = secrets.token_urlsafe(24)
        self.access[token] = (self.account, time.time() + self.lifetime)
        refresh_token = refresh_token or secrets.token_urlsafe(24)
        self.refresh[refresh_token] = self.account
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.lifetime,
            "refresh_token": refresh_token,
            "scope": "mail",
        }

    def active(self, token: str) -> str | None:
        user, expires = self.access.get(token, ("", 0.0))
        return user if user and time.time() < expires else None

    def revoke_all(self) -> None:
        with self.lock:
            self.revoked.update(self.refresh)


class _Handler(BaseHTTPRequestHandler):
    grants: Grants

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _reply(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        return {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/authorize":
            code = secrets.token_urlsafe(16)
            with self.grants.lock:
                self.grants.codes[code] = query.get("code_challenge", "")
            target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
            self._reply(302, {}, {"Location": target})
        elif url.path == "/introspect":
            self._introspect(query.get("token", ""))
        else:
            self._reply(404, {"error": "not_found"})

    def do_POST(self) -> None:
        form = self._form()
        if self.path == "/token":
            self._token(form)
        elif self.path == "/devicecode":
            device = secrets.token_urlsafe(16)
            with self.grants.lock:
                self.grants.devices[device] = 0
            self._reply(200, {"device_code": device, "user_code": "MFLW-TEST", "expires_in": 600,
                              "interval": 1, "verification_uri": "http://127.0.0.1/device"})  # fmt: skip
        elif self.path == "/introspect":
            self._introspect(form.get("token", ""))
        else:
            self._reply(404, {"error": "not_found"})

    def _introspect(self, token: str) -> None:
        user = self.grants.active(token)
        self._reply(200, {"active": "true", "username": user} if user else {"active": "false"})

    def _token(self, form: dict[str, str]) -> None:
        g = self.grants
        grant = form.get("grant_type", "")
        with g.lock:
            if form.get("client_id") != CLIENT_ID:
                return self._reply(401, {"error": "invalid_client"})
            if grant == "refresh_token":
                token = form.get("refresh_token", "")
                if token not in g.refresh or token in g.revoked:
                    g.refreshes_refused += 1
                    return self._reply(400, {"error": "invalid_grant",
                                             "error_description": "Token has been expired or revoked."})  # fmt: skip
                g.refreshes += 1
                return self._reply(200, g.issue(token))
            if grant == "authorization_code":
                challenge = g.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
                if challenge is None or digest.decode() != challenge:
                    return self._reply(400, {"error": "invalid_grant"})
                return self._reply(200, g.issue())
            if grant == "urn:ietf:params:oauth:grant-type:device_code":
                device = form.get("device_code", "")
                if device not in g.devices:
                    return self._reply(400, {"error": "expired_token"})
                g.devices[device] += 1
                if g.devices[device] == 1:  # the user has not typed the code yet
                    return self._reply(400, {"error": "authorization_pending"})
                del g.devices[device]
                return self._reply(200, g.issue())
        return self._reply(400, {"error": "unsupported_grant_type"})


class TokenServer:
    def __init__(self, account: str, lifetime: float = 3600.0) -> None:
        self.grants = Grants(account, lifetime)
        handler = type("Handler", (_Handler,), {"grants": self.grants})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
