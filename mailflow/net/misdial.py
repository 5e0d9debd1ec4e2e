"""A mail server reached on the wrong port or with the wrong security, named for what it is.

The libraries report these as their own symptoms: `[SSL: WRONG_VERSION_NUMBER]` (TLS spoken to a
plain port), `Malformed SMTP response line: * OK [CAPABILITY IMAP4rev1 ...` (SMTP spoken to an
IMAP server), `unexpected response: b'220 ...'` (IMAP spoken to an SMTP server), `Server does
not support STARTTLS capability` (STARTTLS asked of a server without it). The admin who
typed the port needs the cause and the setting that fixes it, in their language.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Callable, Iterator
from typing import Literal

from mailflow.domain import Said

Protocol = Literal["imap", "smtp"]
IMAPS_PORT = 993

# An SMTP server greets "220 ..." (or refuses "421/554 ..."); an IMAP server "* OK", "* PREAUTH", "* BYE".
_SMTP_GREETING = re.compile(r"unexpected response: b['\"](220|421|554)[ -]")
_IMAP_GREETING = re.compile(r"Malformed SMTP response line: \* (OK|PREAUTH|BYE)\b")
# security = "starttls" on a server that offers no STARTTLS: imapclient's and aiosmtplib's words.
_NO_STARTTLS = ("Server does not support STARTTLS capability", "STARTTLS extension not supported by server")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def misdial(exc: BaseException, speaking: Protocol, port: int, security: str = "") -> Said | None:
    """What `exc` means when it is a wrong port or security, else None (the library's words stand)."""
    if security != "tls" and _silent(exc, port):
        return Said.of("connect.silent_port", port=port)
    for err in _chain(exc):
        text = str(err)
        plain = isinstance(err, ssl.SSLError) and err.reason == "WRONG_VERSION_NUMBER"
        if plain or "[SSL: WRONG_VERSION_NUMBER]" in text:
            return Said.of("connect.plain_port", port=port)
        if speaking == "imap" and _SMTP_GREETING.search(text):
            return Said.of("connect.smtp_not_imap", port=port)
        if speaking == "smtp" and _IMAP_GREETING.search(text):
            return Said.of("connect.imap_not_smtp", port=port)
        if security == "starttls" and any(words in text for words in _NO_STARTTLS):
            return Said.of("connect.no_starttls", port=port)
    return None


def _silent(exc: BaseException, port: int) -> bool:
    """Connected, but no greeting came: a port that waits for a TLS handshake first. aiosmtplib
    says so; imaplib only times out, which names the cause surely on IMAP's TLS port alone."""
    if any(str(err) == "Timed out waiting for server ready message" for err in _chain(exc)):
        return True
    return isinstance(exc, TimeoutError) and port == IMAPS_PORT


def explained(exc: BaseException, say: Callable[[Said], str]) -> str:
    """An edge's error as the admin reads it: its catalogue words when it has them."""
    said = getattr(exc, "said", None)
    return say(said) if isinstance(said, Said) else str(exc)
