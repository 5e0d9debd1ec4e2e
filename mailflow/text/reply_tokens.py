"""Signed per-recipient reply tokens (pure).

A token names one disposition and is bound, by an HMAC, to the address the request was sent to
and to an expiry day: `surat+TOKEN@domain` in Reply-To, and a "Kode balasan: TOKEN" line in the
footer. Lower-case base32 only, because some servers and clients lower-case local parts.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass

EPOCH = dt.date(2000, 1, 1)
TOKEN = re.compile(r"\b(d[0-9a-z]{1,8}\.[0-9a-z]{1,5}\.[a-z2-7]{16})\b")
FOOTER = re.compile(r"(?:kode balasan|reply code)\s*:\s*(d[0-9a-z]{1,8}\.[0-9a-z]{1,5}\.[a-z2-7]{16})", re.I)


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


@dataclass(frozen=True)
class Claim:
    disposition_id: int
    expires: dt.date
    mac: str


class TokenError(ValueError):
    """The token is malformed, forged, bound to someone else, or expired."""


class Signer:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the token key must be at least 16 bytes")
        self._key = key

    def _mac(self, disposition_id: int, recipient: str, expires: dt.date) -> str:
        msg = f"{disposition_id}|{recipient.lower()}|{expires.isoformat()}".encode()
        digest = hmac.new(self._key, msg, hashlib.sha256).digest()
        return base64.b32encode(digest).decode().lower()[:16]

    def make(self, disposition_id: int, recipient: str, expires: dt.date) -> str:
        days = (expires - EPOCH).days
        return f"d{_b36(disposition_id)}.{_b36(days)}.{self._mac(disposition_id, recipient, expires)}"

    @staticmethod
    def parse(token: str) -> Claim:
        m = TOKEN.fullmatch(token.strip().lower())
        if not m:
            raise TokenError("malformed token")
        ident, days, mac = m[1].split(".")
        return Claim(int(ident[1:], 36), EPOCH + dt.timedelta(days=int(days, 36)), mac)

    def verify(self, claim: Claim, recipient: str, today: dt.date) -> None:
        """Raise TokenError unless `claim` was made by us for `recipient` and is unexpired."""
        expected = self._mac(claim.disposition_id, recipient, claim.expires)
        if not hmac.compare_digest(expected, claim.mac):
            raise TokenError("the token was not issued to this recipient")
        if claim.expires < today:
            raise TokenError(f"the token expired on {claim.expires.isoformat()}")


def tokens_in_addresses(addresses: list[str], mailbox: str) -> list[str]:
    """Tokens from plus-addresses of our mailbox (`surat+TOKEN@domain`)."""
    local, _, domain = mailbox.lower().partition("@")
    found = []
    for address in addresses:
        a_local, _, a_domain = address.lower().partition("@")
        base, plus, tag = a_local.partition("+")
        if plus and base == local and a_domain == domain:
            found.append(tag)
    return found


def plus_address(mailbox: str, token: str) -> str:
    local, _, domain = mailbox.partition("@")
    return f"{local}+{token}@{domain}"
