"""What to do with one incoming message: an ordered chain of small, named checks.

Like Mailman's rule chains, the order is written once, as data (`CHAIN`), and the first check
that returns a verdict decides. Each check is a pure function of the message and what it may
look up; the verdict names the check, so "why was this quarantined?" always has an answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mailflow.config import MailboxSettings
from mailflow.domain import ReplyMatch
from mailflow.inbound.authenticity import UNCHECKED, Authenticity
from mailflow.office.model import Rules
from mailflow.text.machine import auto_signals, bounce_kind
from mailflow.text.message import Attachment, ParsedMessage


class Action(StrEnum):
    FILE = "file"  # file a new letter
    CORRECT = "correct"  # a clerk corrects a letter by replying to its receipt
    REPLY = "reply"  # an official answers a disposition request
    STATUS = "status"  # an official asks where a letter is ("STATUS 001/SM/2026")
    REJECT = "reject"  # a reply that may not act (forged, expired, someone else's token)
    BOUNCE = "bounce"  # a delivery failure of one of our emails
    QUARANTINE = "quarantine"  # hold for an admin; the raw message is kept
    IGNORE = "ignore"  # auto-replies, bounces, our own mail: recorded, never answered


@dataclass(frozen=True)
class Verdict:
    action: Action
    check: str
    reason: str = ""
    detail: str = ""
    notify_sender: bool = False
    letter_id: int | None = None
    disposition_id: int | None = None


@dataclass(frozen=True)
class Inbound:
    """A message and everything the checks may consult about it."""

    message: ParsedMessage
    mailbox: MailboxSettings
    rules: Rules
    # Which of our emails this answers, if any (see threads.match_reply).
    reply: ReplyMatch | None = None
    # This Message-ID was already applied to the letter (the same reply delivered again).
    replayed: bool = False
    max_attachment_bytes: int = 30_000_000
    # Whether the From address is proven (inbound.authenticity); checked only where it matters.
    sender: Authenticity = UNCHECKED

    @property
    def sender_trusted(self) -> bool:
        """Verified, or trusted on its From alone because the mailbox's policy says so."""
        return self.sender.verified or self.mailbox.verify_senders == "off"


Check = Callable[[Inbound], Verdict | None]


def one_reading(inbound: Inbound) -> Verdict | None:
    """A header that reads two ways (a From whose display name names another address, a second
    Subject or Message-ID) is held before any check reads it: a signature vouches for one reading,
    and Mailflow must not act on the other. Nobody is answered: whom would we answer?"""
    problem = inbound.message.header_problem
    if problem is None:
        return None
    return Verdict(Action.QUARANTINE, "one_reading", problem.reason, problem.detail)


def bounce(inbound: Inbound) -> Verdict | None:
    """A delivery failure is matched, not answered."""
    kind = bounce_kind(inbound.message)
    return None if kind is None else Verdict(Action.BOUNCE, "bounce", "bounce", kind)


def auto_generated(inbound: Inbound) -> Verdict | None:
    """Auto-replies, bounces and list mail are never answered nor acted on (RFC 3834)."""
    hits = auto_signals(inbound.message)
    if hits:
        return Verdict(Action.IGNORE, "auto_generated", "auto_generated", ", ".join(hits))
    return None


def own_mail(inbound: Inbound) -> Verdict | None:
    """Our own mail coming back (a copy, a loop) is never processed again."""
    m = inbound.message
    if m.header("X-Mailflow") is not None or m.from_address == inbound.mailbox.address:
        return Verdict(Action.IGNORE, "own_mail", "own_mail", "sent by Mailflow")
    return None


def no_sender(inbound: Inbound) -> Verdict | None:
    """Without one valid From address nobody can be answered or trusted."""
    if not inbound.message.from_address:
        return Verdict(
            Action.QUARANTINE, "no_sender", "no_sender", "the From header has no single valid address"
        )
    return None


# How a reply can be matched to its thread without proving who wrote it.
FINDS_ONLY = frozenset({"message-id", "subject"})


def _unverified(inbound: Inbound, check: str) -> Verdict:
    return Verdict(
        Action.QUARANTINE,
        check,
        "sender_unverified",
        f"{inbound.message.from_address} is not verified: {inbound.sender.detail}",
        notify_sender=True,
    )


def our_thread(inbound: Inbound) -> Verdict | None:
    """A reply to one of our emails acts only for the person that email went to, and only with
    their reply code or from a verified sender: a Message-ID or subject tag only finds the thread."""
    match = inbound.reply
    if match is None:
        return None
    sender = inbound.message.from_address
    ids: dict[str, Any] = {"letter_id": match.letter_id or None, "disposition_id": match.disposition_id}
    if match.problem:
        return Verdict(Action.REJECT, "our_thread", "bad_token", match.problem, **ids)
    if sender not in match.owners:
        return Verdict(
            Action.REJECT,
            "our_thread",
            "not_recipient",
            f"{sender} answered an email sent to {match.owners[0]}",
            **ids,
        )
    if inbound.replayed:
        return Verdict(Action.IGNORE, "our_thread", "replay", "this reply was already applied", **ids)
    unsigned = _unsigned_finder(inbound, match) if inbound.sender.verified else ""
    if unsigned:
        detail = f"found by {unsigned}, which the verified signature does not cover"
        return Verdict(Action.REJECT, "our_thread", "unsigned_thread", detail, **ids)
    if match.kind == "receipt":
        if not inbound.sender_trusted:
            return _unverified(inbound, "our_thread")
        return Verdict(Action.CORRECT, "our_thread", _proof(inbound, match), **ids)
    if match.via in FINDS_ONLY and not inbound.sender.verified:
        detail = f"found by {match.via}, without the reply code; {inbound.sender.detail}"
        return Verdict(Action.REJECT, "our_thread", "no_reply_code", detail, **ids)
    if inbound.mailbox.require_dkim and not inbound.sender.verified:
        return Verdict(Action.REJECT, "our_thread", "dkim", inbound.sender.detail, **ids)
    return Verdict(Action.REPLY, "our_thread", _proof(inbound, match), **ids)


def _proof(inbound: Inbound, match: ReplyMatch) -> str:
    """Why a reply may act, as its reason: our reply code found it, or its sender is verified
    (or trusted on its From alone, by the mailbox's policy)."""
    if match.via not in FINDS_ONLY:
        return "reply_code"
    return "verified_sender" if inbound.sender.verified else "trusted_sender"


def _unsigned_finder(inbound: Inbound, match: ReplyMatch) -> str:
    """The header that found the thread, when the sender's evidence does not vouch for it: a
    captured signed mail must not be aimed at another letter by editing what it answers. Our
    server's verdict does not say which headers were signed, so a disposition found without the
    reply code does not act on it (a receipt correction does: it changes only registry fields)."""
    if match.via not in FINDS_ONLY:
        return ""  # the reply code found it: the code itself is the proof
    covered = inbound.sender.covered
    if covered is None:
        return "" if match.kind == "receipt" else f"{match.via} (our server's verdict names no headers)"
    if match.via == "subject":
        return "" if "subject" in covered else "subject"
    finders = [h for h in ("in-reply-to", "references") if inbound.message.header(h)]
    return next((h for h in finders if h not in covered), "")


_STATUS_SUBJECT = re.compile(r"^\s*+(?:re:\s*)?status\s+(\S+)\s*$", re.I)


def status_request(inbound: Inbound) -> Verdict | None:
    """An official or a clerk asks by a new email: subject "STATUS 001/SM/2026"."""
    m = _STATUS_SUBJECT.match(inbound.message.subject)
    sender = inbound.message.from_address
    if m and (inbound.rules.person_by_address(sender) or inbound.rules.clerk(sender)):
        if not inbound.sender_trusted:
            return _unverified(inbound, "status_request")
        covered = inbound.sender.covered
        if covered is not None and "subject" not in covered:  # a Subject added to a signed mail
            detail = "the Subject that asks is not covered by the verified signature"
            return Verdict(Action.QUARANTINE, "status_request", "unsigned_thread", detail)
        return Verdict(Action.STATUS, "status_request", "status_subject", detail=m[1])
    return None


def oversized(message: ParsedMessage, limit: int) -> list[Attachment]:
    """Its decoded attachments over `limit`: the message is held, and none of its files stored
    (inbound.loop archives a letter's files before its transaction, and asks this first)."""
    return [a for a in message.attachments if a.size > limit]


def oversize_attachment(inbound: Inbound) -> Verdict | None:
    """A decoded attachment over the limit (a zip bomb, a video) is never stored."""
    limit = inbound.max_attachment_bytes
    big = oversized(inbound.message, limit)
    if big:
        return Verdict(
            Action.QUARANTINE,
            "oversize_attachment",
            "oversize",
            f"attachment of {big[0].size} bytes over the limit of {limit}",
            notify_sender=True,
        )
    return None


def clerk_letter(inbound: Inbound) -> Verdict | None:
    """A listed clerk files whatever they send, scan or forward."""
    if inbound.rules.clerk(inbound.message.from_address) is None:
        return None
    if not inbound.sender_trusted:
        return _unverified(inbound, "clerk_letter")
    m = inbound.message
    if not (m.attachments or m.embedded or m.body_text.strip()):
        return Verdict(
            Action.QUARANTINE,
            "clerk_letter",
            "empty",
            "the email has no text, no attachment and no forwarded letter",
            notify_sender=True,
        )
    return Verdict(Action.FILE, "clerk_letter", "listed_clerk")


def official_mail(inbound: Inbound) -> Verdict | None:
    """An official writing to the mailbox without replying to one of our emails."""
    if inbound.rules.person_by_address(inbound.message.from_address) is None:
        return None
    return Verdict(
        Action.QUARANTINE,
        "official_mail",
        "not_understood",
        "mail from an official that answers none of our emails",
        notify_sender=True,
    )


def direct_letter(inbound: Inbound) -> Verdict | None:
    """Mail from outside: filed or held for a clerk, as the mailbox's policy says."""
    if inbound.mailbox.direct_letters == "register":
        return Verdict(Action.FILE, "direct_letter", "register_policy")
    return Verdict(
        Action.QUARANTINE,
        "direct_letter",
        "direct_letter",
        f"letter sent directly by {inbound.message.from_address}; awaiting a clerk",
        notify_sender=True,
    )


CHAIN: tuple[Check, ...] = (
    one_reading,
    bounce,
    auto_generated,
    own_mail,
    no_sender,
    oversize_attachment,
    our_thread,
    status_request,
    clerk_letter,
    official_mail,
    direct_letter,
)


def triage(inbound: Inbound, chain: tuple[Check, ...] = CHAIN) -> Verdict:
    for check in chain:
        verdict = check(inbound)
        if verdict is not None:
            return verdict
    raise AssertionError("the chain ends with a check that always decides")
