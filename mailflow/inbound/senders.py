"""The sender check as an admin asks about it (`doctor`, `rules test`): would this sender verify,
why not, and what then becomes of their mail.

`verdict` is the only caller of `authenticity.check_sender` outside the poll (inbound.reading),
so a change to the check reaches the admin's tools through this one function. It checks the
people the rules know, as the poll does; outside senders are never checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mailflow.config import MailboxSettings, Settings
from mailflow.domain import Said
from mailflow.inbound.authenticity import UNCHECKED, Authenticity, check_sender
from mailflow.net.dkim_keys import TxtLookup, pinned
from mailflow.net.dns import CachedTxt
from mailflow.office.model import Rules
from mailflow.raw import RawMessage
from mailflow.text.message import ParsedMessage

Role = Literal["clerk", "official", "outside"]
# What the mail of a sender with this verdict meets (catalogue `senders.then.*`).
Outcome = Literal[
    "unreadable",
    "filed",
    "held",
    "acts",
    "code_needed",
    "code_only",
    "replies_rejected",
    "direct_quarantine",
    "direct_register",
]
HELD: frozenset[Outcome] = frozenset({"held", "replies_rejected", "unreadable"})


@dataclass(frozen=True)
class SenderVerdict:
    address: str
    role: Role
    sender: Authenticity
    # catalogue `senders.why.*`: verified, off, unsigned, bad_signature, no_results, results_fail,
    # outside, two_readings
    why: str
    outcome: Outcome
    stamped_by: str  # the authserv-id of the message's topmost Authentication-Results, if any
    problem: str = ""  # why the header reads two ways (text.headers), when it does

    def said(self, box: MailboxSettings) -> tuple[Said, Said]:
        """(why, then) in the catalogue's words."""
        detail = self.problem or self.sender.detail
        why = Said.of(f"senders.why.{self.why}", detail=detail, authserv_id=box.authserv_id)
        return why, Said.of(f"senders.then.{self.outcome}")


def service_lookup(settings: Settings) -> TxtLookup:
    """DKIM keys as the service finds them: pinned in `[dkim_keys]`, else from DNS."""
    return pinned(settings.dkim_keys, CachedTxt())


def verdict(
    raw: RawMessage | bytes, message: ParsedMessage, box: MailboxSettings, rules: Rules, lookup: TxtLookup
) -> SenderVerdict:
    """The poll's own check of `message` arriving in `box`, and what triage then does with it."""
    address = message.from_address
    stamped = _stamped_by(message)
    clerk = rules.clerk(address) is not None
    role: Role = "clerk" if clerk else "official" if rules.person_by_address(address) else "outside"
    if message.header_problem is not None:  # triage's first check holds it, whoever it names
        detail = message.header_problem.detail
        return SenderVerdict(address, role, UNCHECKED, "two_readings", "unreadable", stamped, detail)
    if role == "outside":
        direct: Outcome = "direct_register" if box.direct_letters == "register" else "direct_quarantine"
        return SenderVerdict(address, role, UNCHECKED, "outside", direct, stamped)
    found = check_sender(raw, message, box, lookup)
    trusted = found.verified or box.verify_senders == "off"
    outcome: Outcome
    if clerk:
        outcome = "filed" if trusted else "held"
    elif found.verified:
        outcome = "acts"
    elif box.require_dkim:
        outcome = "replies_rejected"
    else:
        outcome = "code_only" if trusted else "code_needed"
    return SenderVerdict(address, role, found, _why(found, message), outcome, stamped)


def _why(found: Authenticity, message: ParsedMessage) -> str:
    if found.verified:
        return "verified"
    if found.how == "off":
        return "off"
    names = {k.lower() for k, _ in message.headers}
    if found.how == "dkim":
        return "bad_signature" if "dkim-signature" in names else "unsigned"
    return "results_fail" if "authentication-results" in names else "no_results"


def _stamped_by(message: ParsedMessage) -> str:
    """Who stamped the topmost Authentication-Results (receiving servers prepend theirs): a
    candidate for `authserv_id`, to be confirmed by the admin, never trusted by itself."""
    value = message.header("Authentication-Results") or ""
    head = value.split(";", 1)[0].split()
    return head[0] if head else ""
