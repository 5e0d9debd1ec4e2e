"""The outbox sends a row's bytes as they are (outbound/outbox.py Sender.send); an address beyond
ASCII still goes out, with SMTPUTF8 asked for (RFC 6531), as send_message used to ask by itself."""

from __future__ import annotations

import asyncio
import socket

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from mailflow.config import SmtpSettings
from mailflow.outbound.outbox import Sender

RAW = b"From: Mailflow <mailflow@dinas.example>\r\nTo: x\r\nSubject: t\r\n\r\nisi\r\n"


class Kept:
    def __init__(self) -> None:
        self.envelopes: list[tuple[str, list[str], list[str]]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        options = [o for o in envelope.mail_options if not o.startswith("SIZE=")]  # aiosmtplib's own
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), options))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sent_to(recipient: str) -> list[tuple[str, list[str], list[str]]]:
    kept, port = Kept(), _free_port()
    relay = Controller(kept, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
    relay.start()
    try:
        settings = SmtpSettings(host="127.0.0.1", port=port, security="none")
        asyncio.run(Sender(settings).send(RAW, recipient))
    finally:
        relay.stop()
    return kept.envelopes


def test_an_address_beyond_ascii_is_sent_with_smtputf8():
    assert _sent_to("kepala.dinas@dinas.例え.jp") == [
        ("mailflow@dinas.example", ["kepala.dinas@dinas.例え.jp"], ["SMTPUTF8"])
    ]


def test_an_ascii_address_asks_for_nothing_more():
    assert _sent_to("kadis@dinas.example") == [("mailflow@dinas.example", ["kadis@dinas.example"], [])]
