"""Signed web links (pure): a letter's page for one official, or a sign-in, in an email.

A link names the address it was made for, a random nonce and (for a letter's link) the letter; it
is signed with the `[web]` secret key and carries its time, so it expires (itsdangerous). The web
pages spend its nonce on first use (mailflow/web/links.py): one link, one sign-in."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadData, URLSafeTimedSerializer

LETTER, SIGN_IN = "letter", "sign-in"


class LinkError(ValueError):
    """The link is malformed, forged or expired."""


@dataclass(frozen=True)
class Link:
    address: str
    nonce: str
    letter_id: int | None


def _serializer(secret: str, kind: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=f"mailflow-web-{kind}")


def make_link(secret: str, kind: str, address: str, letter_id: int | None = None) -> tuple[str, str]:
    """(token, nonce): the token goes into the URL, the nonce is what its first use spends."""
    nonce = secrets.token_urlsafe(18)
    token = _serializer(secret, kind).dumps({"a": address.lower(), "n": nonce, "l": letter_id})
    return str(token), nonce


def read_link(secret: str, kind: str, token: str, max_age_seconds: int) -> Link:
    try:
        data = _serializer(secret, kind).loads(token, max_age=max_age_seconds)
    except BadData as exc:  # SignatureExpired and BadSignature are both BadData
        raise LinkError(type(exc).__name__) from exc
    if not isinstance(data, dict) or not isinstance(data.get("a"), str) or not isinstance(data.get("n"), str):
        raise LinkError("malformed")
    letter = data.get("l")
    return Link(data["a"], data["n"], letter if isinstance(letter, int) else None)


def link_url(public_url: str, kind: str, token: str) -> str:
    """Where a link leads: a letter's page (`/link/...`) or the sign-in (`/sign-in/...`)."""
    return f"{public_url}/{'link' if kind == LETTER else 'sign-in'}/{token}"
