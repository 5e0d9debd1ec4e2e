"""A real SMTP server (aiosmtpd) that delivers into Dovecot over LMTP, as a relay would."""

from __future__ import annotations

import smtplib

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class LmtpDelivery:
    """aiosmtpd handler: each accepted message goes to Dovecot by LMTP in a worker thread."""

    def __init__(self, lmtp_port: int) -> None:
        self.lmtp_port = lmtp_port
        self.accepted: list[tuple[str, list[str], bytes]] = []
        self.refuse: bool = False  # tests flip this to play an SMTP outage

    def _deliver(self, sender: str, recipients: list[str], data: bytes) -> None:
        with smtplib.LMTP("127.0.0.1", self.lmtp_port) as lmtp:
            lmtp.sendmail(sender, recipients, data)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if self.refuse:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or envelope.content
        try:
            await server.loop.run_in_executor(
                None, self._deliver, envelope.mail_from, list(envelope.rcpt_tos), data
            )
        except smtplib.SMTPRecipientsRefused as exc:
            return f"550 5.1.1 {exc.recipients}"
        self.accepted.append((envelope.mail_from, list(envelope.rcpt_tos), data))
        return "250 Message accepted for delivery"


def start_relay(lmtp_port: int, port: int) -> tuple[Controller, LmtpDelivery]:
    handler = LmtpDelivery(lmtp_port)
    controller = Controller(handler, hostname="127.0.0.1", port=port, auth_require_tls=False)
    controller.start()
    return controller, handler
