"""Is a message really from its From address? Answered from evidence a spoofer cannot forge.

Two kinds of evidence, per mailbox (`verify_senders`):
- `dkim`: a DKIM signature that verifies with the key the sender's domain publishes in DNS, made
  by the From domain itself (or a domain the mailbox lists for it in `signing_domains`), covering
  the whole body (a signature with `l=` shorter than the body leaves room for an appended line);
- `authentication-results`: the verdict our own receiving server stamped (its `authserv_id`),
  read with an RFC 8601 parser from the topmost header that server stamped: a `dkim=pass` whose
  `header.d` is accepted as above, or a `dmarc=pass` whose `header.from` is the From domain.
`auto` (the default) takes the server's verdict when `authserv_id` is set, else checks DKIM itself.
`off` verifies nobody: clerk mail is then trusted on its From alone, and replies must carry their
reply code. A domain on the Public Suffix List (`go.id`, `co.id`) is never a signer.

The From address checked here is the one the pipeline acts on (text.headers reads it once, split
before decoded). Verification is bounded: at most MAX_SIGNATURES signatures whose domain could
count are verified, in order, until one passes, within BUDGET_SECONDS: a signature is begun only
while its key's lookup (up to LOOKUP_SECONDS) still fits. The DNS lookup is an edge passed in
(net/dns.py caches answers for their TTL), so tests serve their own keys.

dkimpy gets the header alone and verifies the header signature (b=); the body hash is ours,
computed in chunks over the message as it lies in memory or in its spool file (text/dkim_body.py),
at the step where dkimpy would compare its own, and it must equal the bh= that b= signed.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import authres
import dkim
from dkim.canonicalization import CanonicalizationPolicy, InvalidCanonicalizationPolicyError
from dkim.util import InvalidTagValueList, parse_tag_value
from publicsuffixlist import PublicSuffixList

from mailflow.config import MailboxSettings
from mailflow.net.dkim_keys import LOOKUP_SECONDS, TxtLookup
from mailflow.raw import RawMessage
from mailflow.text.dkim_body import BodyHash, body_hash, body_start
from mailflow.text.message import ParsedMessage

MAX_SIGNATURES = 3
BUDGET_SECONDS = 10.0
# Real servers stamp well under 1 KB; the parser costs ~0.2 ms per property, so this bounds it.
MAX_RESULTS_HEADER = 4096
# dkimpy's own errors, and binascii.Error (a ValueError) from a signature's broken base64.
_DKIM_ERRORS = (dkim.DKIMException, ValueError, IndexError)  # IndexError: dkimpy on a broken header


@dataclass(frozen=True)
class Authenticity:
    verified: bool
    how: str  # "dkim", "authentication-results", "off"
    detail: str  # what was found, or why it does not count
    # The header fields the verifying DKIM signature covered (h=), lower-case; None where the
    # evidence does not say (our server's verdict, or nothing verified).
    covered: frozenset[str] | None = field(default=None, compare=False)


UNCHECKED = Authenticity(False, "off", "sender verification is off for this mailbox")


@cache
def _public_suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # the list the package ships: no download


def _clean(domain: str) -> str:
    return domain.strip().lower().rstrip(".")


def signer_accepted(domain: str, sender_domain: str, box: MailboxSettings) -> bool:
    """Strict alignment: the signing domain is the From domain, or one listed for it; never a
    public suffix (a key at `co.id` would otherwise vouch for every company under it)."""
    domain, sender_domain = _clean(domain), _clean(sender_domain)
    if not domain or _public_suffixes().is_public(domain):
        return False
    listed = {_clean(d) for d in box.signing_domains.get(sender_domain, [])}
    return domain == sender_domain or domain in listed


def from_results(message: ParsedMessage, box: MailboxSettings) -> Authenticity:
    """Our own server's Authentication-Results for this message, if it vouches for From."""
    how, ours = "authentication-results", box.authserv_id.lower()
    sender_domain = message.from_address.rpartition("@")[2]
    header = _topmost_of(message, ours) if ours else None
    if header is None:
        return Authenticity(False, how, f"no Authentication-Results from {box.authserv_id!r}")
    for result in header.results:
        if result.result.lower() != "pass":
            continue
        method = result.method.lower()
        if method not in ("dkim", "dmarc"):
            continue
        domain = _only_property(result, "header", "d" if method == "dkim" else "from")
        if domain is None or (method == "dmarc" and _clean(domain) != sender_domain):
            continue  # DMARC's verdict speaks of the From domain itself
        if signer_accepted(domain, sender_domain, box):
            return Authenticity(True, how, f"{method}=pass for {_clean(domain)}")
    return Authenticity(False, how, f"{box.authserv_id} found no passing DKIM or DMARC for {sender_domain}")


def _topmost_of(message: ParsedMessage, authserv_id: str) -> authres.AuthenticationResultsHeader | None:
    """The topmost Authentication-Results that names our server first (it prepends its own; one
    further down with our name was in the message before our server saw it). Only that one is
    parsed; one too long or unreadable vouches for nothing (an empty header, no results)."""
    for name, value in message.headers:
        stamper = value.split(";", 1)[0].lower().split()[:1]
        if name.lower() != "authentication-results" or stamper != [authserv_id]:
            continue
        if len(value) <= MAX_RESULTS_HEADER:
            try:
                return authres.AuthenticationResultsHeader.parse_value(value)
            except (authres.AuthResError, RecursionError):  # nested comments recurse in the parser
                pass
        return authres.AuthenticationResultsHeader(authserv_id=authserv_id)
    return None


def _only_property(result: authres.AuthenticationResult, ptype: str, pname: str) -> str | None:
    """A property's value when it is given exactly once (a second `header.d` is no answer)."""
    values = [p.value for p in result.properties if p.type.lower() == ptype and p.name.lower() == pname]
    return values[0] if len(values) == 1 and values[0] else None


def from_dkim(
    raw: RawMessage | bytes, message: ParsedMessage, box: MailboxSettings, lookup: TxtLookup,
    clock: Callable[[], float] = time.monotonic,
) -> Authenticity:  # fmt: skip
    """Verify the signatures whose domain could vouch for From, first to last, until one passes."""
    sender_domain = message.from_address.rpartition("@")[2]
    try:
        checker = _Checker(raw if isinstance(raw, RawMessage) else RawMessage.of(raw))
    except _DKIM_ERRORS as exc:
        return Authenticity(False, "dkim", f"cannot be checked: {exc}")
    signatures = [value for name, value in checker.headers if name.lower() == b"dkim-signature"]
    if not signatures:
        return Authenticity(False, "dkim", f"not DKIM-signed (From {sender_domain})")
    found: list[str] = []
    candidates = []
    for index, value in enumerate(signatures):
        tags = _tags(value)
        domain = tags.get(b"d", b"").decode("ascii", "replace")
        if signer_accepted(domain, sender_domain, box):
            candidates.append((index, tags))
        else:
            found.append(f"{domain or '?'}: not aligned with {sender_domain}")
    deadline = clock() + BUDGET_SECONDS

    def dnsfunc(name: bytes, timeout: float = 5) -> bytes | None:
        record = lookup(name.decode("ascii", "replace").rstrip("."))
        return record.encode() if record is not None else None

    for index, tags in candidates[:MAX_SIGNATURES]:
        domain = tags[b"d"].decode("ascii", "replace")
        if clock() > deadline - LOOKUP_SECONDS:
            found.append(f"{domain}: not checked, the time for this message ran out")
            break
        try:
            ok = checker.verify(idx=index, dnsfunc=dnsfunc)
        except _DKIM_ERRORS as exc:
            found.append(f"{domain}: {exc}")
            continue
        if not ok:
            found.append(f"{domain}: does not verify")
        elif (short := _partial_body(checker, tags)) is not None:
            found.append(f"{domain}: signs only the first {short} bytes of the body")
        else:
            covered = frozenset(h.decode("ascii", "replace").strip().lower() for h in tags[b"h"].split(b":"))
            return Authenticity(True, "dkim", f"DKIM signature of {_clean(domain)} verified", covered)
    if len(candidates) > MAX_SIGNATURES:
        found.append(f"{len(candidates) - MAX_SIGNATURES} more signatures not checked")
    return Authenticity(False, "dkim", "; ".join(found[:MAX_SIGNATURES + 2]))


def _tags(value: bytes) -> dict[bytes, bytes]:
    try:
        return parse_tag_value(value)
    except InvalidTagValueList:
        return {}


def _partial_body(checker: _Checker, tags: dict[bytes, bytes]) -> int | None:
    """The signed length when `l=` stops short of the whole canonical body, else None."""
    if b"l" not in tags:
        return None
    try:
        relaxed = _relaxed_body(tags)
        signed = int(tags[b"l"])
        whole = checker.body_hash(relaxed, tags.get(b"a", b""), None).length
    except (InvalidCanonicalizationPolicyError, ValueError, KeyError):
        return 0
    return None if signed >= whole else signed


def _relaxed_body(tags: dict[bytes, bytes]) -> bool:
    """Whether c= names relaxed body canonicalisation (InvalidCanonicalizationPolicyError if c= is
    no policy)."""
    policy = CanonicalizationPolicy.from_c_value(tags.get(b"c", b"simple/simple"))
    return policy.body_algorithm.name == b"relaxed"


# The header is read in steps of this size until its empty line (dkimpy holds the header alone).
_HEAD_STEP = 256 * 1024


class _Checker(dkim.DKIM):
    """dkimpy's verifier given the header alone: it would split the whole message into lines and
    join the body again (+3.6x the message for a 60 MB scan). Where dkimpy hashes the body, the
    hash is computed here in chunks over the raw message instead, and compared with bh=; dkimpy
    then verifies b= over the header, bh= included, as it always does."""

    def __init__(self, raw: RawMessage) -> None:
        head = bytearray()
        start = None
        for step in raw.chunks(0, _HEAD_STEP):  # each step read and searched once: linear
            searched = len(head)
            head += step
            if (start := body_start(head, searched)) is not None:
                break
        self.raw, self.start = raw, start if start is not None else raw.size
        self._hashes: dict[tuple[bool, bytes, int | None], BodyHash] = {}
        super().__init__(bytes(head[: self.start]), minkey=1024)

    def body_hash(self, relaxed: bool, algorithm: bytes, limit: int | None) -> BodyHash:
        """The canonical body's hash (of its first `limit` bytes), once per kind of signature."""
        key = (relaxed, algorithm, limit)
        if key not in self._hashes:
            chunks = self.raw.chunks(self.start)
            self._hashes[key] = body_hash(chunks, relaxed=relaxed, algorithm=algorithm, limit=limit)
        return self._hashes[key]

    def verify_sig_process(self, sig, include_headers, sig_header, dnsfunc):
        try:
            relaxed = _relaxed_body(sig)
        except InvalidCanonicalizationPolicyError as exc:
            raise dkim.MessageFormatError(f"invalid c= value: {exc.args[0]}") from exc
        limit = int(sig[b"l"]) if b"l" in sig else None  # a decimal: validate_signature_fields
        try:
            ours = self.body_hash(relaxed, sig[b"a"], limit).digest
            stated = base64.b64decode(re.sub(rb"\s+", b"", sig[b"bh"]))
        except KeyError as exc:  # an a= dkimpy knows but we do not: never accepted unchecked
            raise dkim.ValidationError(f"unknown signature algorithm: {sig.get(b'a')!r}") from exc
        except binascii.Error as exc:
            raise dkim.MessageFormatError(str(exc)) from exc
        if ours != stated:
            got, expected = base64.b64encode(ours).decode(), sig[b"bh"].decode("ascii", "replace")
            raise dkim.ValidationError(f"body hash mismatch (got {got}, expected {expected})")
        header_only = {k: v for k, v in sig.items() if k != b"bh"}  # dkimpy: no bh=, no body hash
        return super().verify_sig_process(header_only, include_headers, sig_header, dnsfunc)


def check_sender(
    raw: RawMessage | bytes, message: ParsedMessage, box: MailboxSettings, lookup: TxtLookup
) -> Authenticity:
    policy = box.verify_senders
    if policy == "off":
        return UNCHECKED
    if policy == "authentication-results" or (policy == "auto" and box.authserv_id):
        return from_results(message, box)
    return from_dkim(raw, message, box, lookup)
