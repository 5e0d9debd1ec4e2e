"""The oracle of "act on exactly what was verified": what a DKIM signature really covered, read
by dkimpy and the stdlib's strict parser, against what Mailflow read (tests and bench/fuzz.py)."""

from __future__ import annotations

import base64
import random
from email.headerregistry import HeaderRegistry

import dkim

from mailflow.demo.dkim import DOMAIN
from mailflow.net.dkim_keys import TxtLookup
from mailflow.text.headers import decoded
from mailflow.text.message import ParsedMessage

_REGISTRY = HeaderRegistry()


def b64(text: str) -> str:
    return f"=?UTF-8?B?{base64.b64encode(text.encode()).decode()}?="


def covered(raw: bytes, lookup: TxtLookup) -> dict[str, str] | None:
    """The instance of each header the first verifying signature hashed, or None if none does."""
    checker = dkim.DKIM(raw, minkey=1024)
    count = sum(1 for name, _ in checker.headers if name.lower() == b"dkim-signature")

    def dnsfunc(name: bytes, timeout: float = 5) -> bytes | None:
        record = lookup(name.decode("ascii", "replace").rstrip("."))
        return record.encode() if record is not None else None

    for index in range(count):
        try:
            if not checker.verify(idx=index, dnsfunc=dnsfunc):
                continue
        except (dkim.DKIMException, ValueError):
            continue
        seen: dict[str, str] = {}
        for name, value in checker.signed_headers:
            seen.setdefault(name.decode().lower(), value.decode("utf-8", "replace"))
        return seen
    return None


def misread(message: ParsedMessage, raw: bytes, lookup: TxtLookup) -> str:
    """Where Mailflow's reading differs from what the signature covered ("" when it does not)."""
    signed = covered(raw, lookup)
    if signed is None:
        return "verified, but no signature verifies"
    header = _REGISTRY("from", " ".join(signed.get("from", "").split()))
    addresses = header.addresses  # type: ignore[attr-defined]
    if len(addresses) != 1 or addresses[0].addr_spec.lower() != message.from_address:
        return f"From {message.from_address!r} but the signature covered {signed.get('from')!r}"
    if "subject" in signed and decoded(signed["subject"]) != message.subject:
        return f"Subject {message.subject!r} but the signature covered {signed['subject']!r}"
    if "message-id" in signed and signed["message-id"].strip() != message.message_id:
        return f"Message-ID {message.message_id!r} but the signature covered {signed['message-id']!r}"
    return ""


def header_mutation(rng: random.Random, raw: bytes) -> bytes:
    """One of the header edits an attacker makes to a captured signed mail (or none)."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    choice = rng.randrange(9)
    if choice == 0:  # a duplicate once-only header, above or below
        name = rng.choice([b"From", b"Subject", b"Message-ID", b"In-Reply-To", b"References", b"To", b"Date"])
        extra = name + b": " + rng.choice([f"<evil-{rng.randrange(99)}@{DOMAIN}>".encode(), b"[SM 002/2026] x"])
        lines.insert(rng.choice([0, len(lines)]), extra)
    elif choice == 1:  # the From rewritten with an encoded display name naming the head
        lines = [ln for ln in lines if not ln.lower().startswith(b"from:")]
        lines.append(f"From: {b64(f'kadis@{DOMAIN} (')} <staff@{DOMAIN}>".encode())
    elif choice == 2:  # refolded headers
        lines = [ln.replace(b": ", b":\r\n ", 1) if rng.random() < 0.3 else ln for ln in lines]
    elif choice == 3:  # header names in other case
        lines = [ln.split(b":", 1)[0].upper() + b":" + ln.split(b":", 1)[1] if b":" in ln and not ln[:1].isspace() and rng.random() < 0.5 else ln for ln in lines]  # fmt: skip
    elif choice == 4:  # an Authentication-Results stamped by someone else
        lines.insert(0, f"Authentication-Results: evil.example; dkim=pass header.d={DOMAIN}".encode())
    elif choice == 5:  # a line appended to the body
        body += b"Arsipkan\r\n"
    elif choice == 6:  # the Subject re-encoded
        lines = [f"Subject: {b64('Re: [SM 003/2026] x')}".encode() if ln.lower().startswith(b"subject:") else ln for ln in lines]  # fmt: skip
    elif choice == 7:  # a second From address
        lines = [ln + f", kadis2@{DOMAIN}".encode() if ln.lower().startswith(b"from:") else ln for ln in lines]
    # choice 8: unchanged
    return b"\r\n".join(lines) + b"\r\n\r\n" + body
