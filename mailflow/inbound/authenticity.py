"""Is a message really from its From address? Answered from evidence a spoofer cannot forge.

Two kinds of evidence, per mailbox (`verify_senders`):
- `dkim`: a DKIM signature that verifies with the key the sender's domain publishes in DNS, made
  by a domain aligned with the From address (relaxed alignment, as DMARC has it);
- `authentication-results`: the verdict our own receiving server stamped (its `authserv_id`),
  `dkim=pass` aligned with From, or `dmarc=pass`. Results stamped by anyone else are ignored.
`auto` (the default) takes the server's verdict when `authserv_id` is set, else checks DKIM itself.
`off` verifies nobody: clerk mail is then trusted on its From alone, and replies must carry their
reply code. The DNS lookup is an edge passed in, so tests serve their own keys.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import dkim

from mailflow.config import MailboxSettings
from mailflow.domain import ParsedMessage

# name -> TXT record, or None when there is none (a lookup that fails is also None).
TxtLookup = Callable[[str], str | None]

# dkimpy's own errors, and binascii.Error (a ValueError) from a signature's broken base64.
_DKIM_ERRORS = (dkim.DKIMException, ValueError)
_PASS = re.compile(r"\b(dkim|dmarc)=pass\b([^;]*)", re.I)
_HEADER_D = re.compile(r"header\.(?:d|from)=([\w.-]+)", re.I)


def pinned(keys: dict[str, str], fallback: TxtLookup) -> TxtLookup:
    """Look up DKIM keys in `keys` first; a domain with a pinned key is never asked of DNS."""
    table = {name.lower().rstrip("."): record for name, record in keys.items()}
    domains = {name.partition("._domainkey.")[2] for name in table}

    def lookup(name: str) -> str | None:
        name = name.lower().rstrip(".")
        if name in table or name.partition("._domainkey.")[2] in domains:
            return table.get(name)
        return fallback(name)

    return lookup


@dataclass(frozen=True)
class Authenticity:
    verified: bool
    how: str  # "dkim", "authentication-results", "off"
    detail: str  # what was found, or why it does not count


UNCHECKED = Authenticity(False, "off", "sender verification is off for this mailbox")


def aligned(domain: str, sender_domain: str) -> bool:
    """Relaxed alignment: one domain is the other or a subdomain of it."""
    domain, sender_domain = domain.lower().rstrip("."), sender_domain.lower().rstrip(".")
    if domain == sender_domain:
        return True
    return sender_domain.endswith("." + domain) or domain.endswith("." + sender_domain)


def from_results(message: ParsedMessage, authserv_id: str) -> Authenticity:
    """Our own server's Authentication-Results for this message, if it vouches for From."""
    sender_domain = message.from_address.rpartition("@")[2]
    ours = [
        v
        for k, v in message.headers
        if k.lower() == "authentication-results" and v.split(";", 1)[0].strip().lower() == authserv_id.lower()
    ]
    if not authserv_id or not ours:
        missing = f"no Authentication-Results from {authserv_id!r}"
        return Authenticity(False, "authentication-results", missing)
    for method, rest in _PASS.findall(ours[0]):
        for domain in _HEADER_D.findall(rest):
            if aligned(domain, sender_domain):
                return Authenticity(True, "authentication-results", f"{method.lower()}=pass for {domain}")
    return Authenticity(
        False, "authentication-results", f"{authserv_id} found no passing DKIM or DMARC for {sender_domain}"
    )


def from_dkim(raw: bytes, message: ParsedMessage, lookup: TxtLookup) -> Authenticity:
    """Verify each DKIM signature ourselves; one aligned with From that verifies is enough."""
    sender_domain = message.from_address.rpartition("@")[2]

    def dnsfunc(name: bytes, timeout: float = 5) -> bytes | None:
        record = lookup(name.decode("ascii", "replace").rstrip("."))
        return record.encode() if record is not None else None

    count = sum(1 for k, _ in message.headers if k.lower() == "dkim-signature")
    if not count:
        return Authenticity(False, "dkim", f"not DKIM-signed (From {sender_domain})")
    found = []
    try:
        checker = _checker(raw)
    except _DKIM_ERRORS as exc:
        return Authenticity(False, "dkim", f"cannot be checked: {exc}")
    for index in range(count):
        try:
            ok = checker.verify(idx=index, dnsfunc=dnsfunc)
        except _DKIM_ERRORS as exc:
            found.append(f"signature {index + 1}: {exc}")
            continue
        domain = (checker.domain or b"").decode("ascii", "replace")
        if ok and aligned(domain, sender_domain):
            return Authenticity(True, "dkim", f"DKIM signature of {domain} verified")
        found.append(f"{domain or '?'}: {'not aligned with ' + sender_domain if ok else 'does not verify'}")
    return Authenticity(False, "dkim", "; ".join(found))


def _checker(raw: bytes) -> dkim.DKIM:
    """dkimpy's verifier without its copies of a large body: it splits the whole message into a
    list of lines and joins the body again (+3.6x the message for a 60 MB scan). A message whose
    lines all end in CRLF, as IMAP servers deliver them, has that body already: its header alone
    is parsed, and the body is handed over as one slice. Anything else takes dkimpy's own path."""
    end = raw.find(b"\r\n\r\n")
    if end < 0 or end > HEADER_LIMIT or raw.count(b"\n", end) != raw.count(b"\r\n", end):
        return dkim.DKIM(raw, minkey=1024)
    checker = dkim.DKIM(raw[: end + 4], minkey=1024)
    checker.body = raw[end + 4 :]
    return checker


HEADER_LIMIT = 256 * 1024


def check_sender(raw: bytes, message: ParsedMessage, box: MailboxSettings, lookup: TxtLookup) -> Authenticity:
    policy = box.verify_senders
    if policy == "off":
        return UNCHECKED
    if policy == "authentication-results" or (policy == "auto" and box.authserv_id):
        return from_results(message, box.authserv_id)
    return from_dkim(raw, message, lookup)
