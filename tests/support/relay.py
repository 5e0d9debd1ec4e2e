"""A real SMTP server (aiosmtpd) that delivers into the IMAP server of the test, as a relay would.

As the office's submission server it can also demand AUTH (PLAIN and LOGIN against the test
password, XOAUTH2 against the local token server's grants), over implicit TLS (port 465's way)
or STARTTLS (587's way).
"""

from __future__ import annotations

import base64
import smtplib
import ssl

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.support.imapserver import PASSWORD


class Delivery:
    """aiosmtpd handler: each accepted message goes to the IMAP server in a worker thread."""

    def __init__(self, server, grants=None) -> None:
        self.server = server
        self.grants = grants  # tests.support.oauth.Grants, for AUTH XOAUTH2
        self.accepted: list[tuple[str, list[str], bytes]] = []
        self.refuse: bool = False  # tests flip this to play an SMTP outage
        self.refuse_text = "451 4.3.0 try again later"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if self.refuse:
            return self.refuse_text
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or envelope.content
        try:
            await server.loop.run_in_executor(
                None, self.server.deliver, envelope.mail_from, list(envelope.rcpt_tos), data
            )
        except LookupError as exc:
            return f"550 5.1.1 {exc}: user unknown"
        except (smtplib.SMTPException, OSError) as exc:  # the store behind refused it
            return f"550 5.1.1 {exc}"
        self.accepted.append((envelope.mail_from, list(envelope.rcpt_tos), data))
        return "250 Message accepted for delivery"

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        """SASL XOAUTH2: "user=U^Aauth=Bearer T^A^A", base64; checked against the token server."""
        if len(args) > 1:
            blob = args[1]
        else:
            answer = await server.challenge_auth("")
            if not isinstance(answer, bytes):
                return AuthResult(success=False, handled=False)
            blob = answer.decode()
        fields = dict(
            part.split("=", 1) for part in base64.b64decode(blob).decode().split("\x01") if "=" in part
        )
        token = fields.get("auth", "").removeprefix("Bearer ")
        user = self.grants.active(token) if self.grants is not None else None
        ok = user is not None and user == fields.get("user")
        return AuthResult(success=ok, handled=False, auth_data=user)


def _check_password(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.password.decode() == PASSWORD
    return AuthResult(success=ok, handled=False)


def start_relay(
    server,
    port: int,
    *,
    auth: bool = False,
    grants=None,
    tls: ssl.SSLContext | None = None,
    starttls: ssl.SSLContext | None = None,
    offer_auth: bool = True,
    size: int | None = None,
) -> tuple[Controller, Delivery]:
    """`offer_auth=False`: no AUTH in EHLO (AUTH is offered only after TLS, and there is none).
    `size`: the SIZE announced in EHLO, and a larger message refused (552), as Postfix's
    `message_size_limit` does; aiosmtpd's own 32 MiB otherwise."""
    handler = Delivery(server, grants)
    kwargs: dict = {"auth_require_tls": not offer_auth}
    if size is not None:
        kwargs["data_size_limit"] = size
    if auth:
        kwargs.update(auth_required=True, authenticator=_check_password)
        if grants is None:
            kwargs["auth_exclude_mechanism"] = ["XOAUTH2"]
    if starttls is not None:
        kwargs.update(tls_context=starttls, require_starttls=True)
    controller = Controller(handler, hostname="127.0.0.1", port=port, ssl_context=tls, **kwargs)
    controller.start()
    return controller, handler
