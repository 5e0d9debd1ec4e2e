"""`mailflow reply explain`: a saved reply read as if it answered a disposition request sent to one
official, the way `rules test` explains routing. Nothing is written and nothing is sent.

Admins use it when an official asks why a reply was not understood, and to measure the reading
on a folder of replies. It reads the headers as the service does first: mail a machine wrote
(auto-replies, bounces) is ignored unread, the reply code is checked for the given official, and
attachments are listed. The result's JSON shape is documented in the README ("Explaining a reply")
and kept stable; fields are only ever added.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from mailflow.domain import Said
from mailflow.errors import ConfigError
from mailflow.language.statements import Kind, Reading, Statement, read_answer, reply_context
from mailflow.office.model import Rules
from mailflow.office.targets import Target
from mailflow.outbound.catalogue import Catalogue
from mailflow.text.headers import address_list
from mailflow.text.machine import auto_signals, bounce_kind
from mailflow.text.message import ParsedMessage
from mailflow.text.reply_tokens import FOOTER, TOKEN, Signer, TokenError

OUTCOMES = ("acted", "proposed", "asked", "notes", "ignored")


@dataclass(frozen=True)
class ExplainedTarget:
    position: str
    address: str
    title: str
    name: str


@dataclass(frozen=True)
class ExplainedStatement:
    kind: str
    line: str
    targets: list[str]  # addresses
    codes: list[int]
    instruction: str
    deadline: str | None  # ISO date; for a disposition without one, the urgency's default
    deadline_given: bool
    text: str
    positions: list[ExplainedTarget] = field(default_factory=list)  # the targets, in full


@dataclass(frozen=True)
class ExplainedProblem:
    line: str
    reason: str
    message: str
    candidates: list[str]
    candidate_positions: list[ExplainedTarget] = field(default_factory=list)  # the candidates, in full


@dataclass(frozen=True)
class ExplainedProposal:
    """A close reading: asked to be confirmed ("Balas YA"), applied only then."""

    line: str
    reason: str
    message: str  # the question put to the official, in their language
    statement: ExplainedStatement


@dataclass(frozen=True)
class ExplainedCode:
    via: str  # "address" (the plus-address replied to) or "footer" (the quoted "Kode balasan")
    disposition: int
    expires: str
    valid: bool | None  # None: no token key yet, so nothing can be checked
    problem: str = ""


@dataclass(frozen=True)
class ExplainedAttachment:
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class ExplainedReply:
    position: str
    title: str
    email: str
    today: str
    automatic: bool
    new_text: str
    statements: list[ExplainedStatement]
    problems: list[ExplainedProblem]
    proposals: list[ExplainedProposal] = field(default_factory=list)
    ignored: str = ""  # why the service would not read it at all (auto-reply headers, a bounce)
    reply_code: ExplainedCode | None = None
    attachments: list[ExplainedAttachment] = field(default_factory=list)
    outcome: str = "notes"  # one of OUTCOMES
    file: str = ""


def position_of(rules: Rules, who: str, today: dt.date) -> str:
    """A position id from `--as`: the id, an alias, or the address of whoever holds it today."""
    wanted = who.strip().lower()
    for pid, position in rules.positions.items():
        if wanted in (pid, position.title.lower(), *(a.lower() for a in position.aliases)):
            return pid
        if wanted in rules.holder(pid, today).person.addresses:
            return pid
    raise ConfigError(f"--as {who!r}: no position, alias or holder's address of that name in the rules")


def outcome_of(reading: Reading, ignored: bool = False) -> str:
    """What the one answer to a reply must do, one word per reply: anything asked back, else
    anything proposed, else anything acted on (questions answered included), else only notes."""
    if ignored or reading.automatic:
        return "ignored"
    if reading.problems:
        return "asked"
    if reading.proposals:
        return "proposed"
    if any(s.kind is not Kind.NOTE for s in reading.statements):
        return "acted"
    return "notes"


def summary(outcomes: list[str]) -> Counter[str]:
    counts = Counter({o: 0 for o in OUTCOMES})
    counts.update(outcomes)
    return counts


def machine_written(message: ParsedMessage) -> str:
    """Why triage would ignore the message unread, or ""."""
    if kind := bounce_kind(message):
        return f"bounce ({kind})"
    if hits := auto_signals(message):
        return "auto-reply (" + ", ".join(hits) + ")"
    return ""


def reply_code(
    message: ParsedMessage, addresses: tuple[str, ...], signer: Signer | None, today: dt.date
) -> ExplainedCode | None:
    """The reply code the message carries (plus-address first, then the quoted footer), checked as
    the service checks it: made by us, for this official, not expired."""
    headers = [v for k, v in message.headers if k.lower() in ("to", "cc", "delivered-to", "x-original-to")]
    found = [("address", a.partition("@")[0].partition("+")[2]) for a in address_list(headers)]
    if m := FOOTER.search(message.body_text):
        found.append(("footer", m[1]))
    for via, token in found:
        if not TOKEN.fullmatch(token.lower()):
            continue
        claim = Signer.parse(token)
        code = ExplainedCode(via, claim.disposition_id, claim.expires.isoformat(), None)
        if signer is None:
            return code
        problems = []
        for address in addresses:
            try:
                signer.verify(claim, address, today)
            except TokenError as exc:
                problems.append(str(exc))
            else:
                return ExplainedCode(via, claim.disposition_id, claim.expires.isoformat(), True)
        return ExplainedCode(via, claim.disposition_id, claim.expires.isoformat(), False, problems[0])
    return None


def _target(t: Target) -> ExplainedTarget:
    return ExplainedTarget(t.position_id, t.email, t.title, t.name)


def _say(catalogue: Catalogue, language: str, said: Said) -> str:
    """In the official's words; the key and values while the catalogue does not have them yet."""
    try:
        return catalogue.say(language, said)
    except KeyError:
        return str(said)


def explain_reply(
    message: ParsedMessage,
    rules: Rules,
    position: str,
    today: dt.date,
    urgency: str | None,
    catalogue: Catalogue,
    language: str,
    signer: Signer | None = None,
) -> ExplainedReply:
    holder = rules.holder(position, today)
    text, reading = read_answer(message, rules, position, today, holder.person.name)
    return explain_reading(
        message, text, reading, rules, position, today, urgency, catalogue, language, signer
    )


def explain_reading(
    message: ParsedMessage,
    text: str,
    reading: Reading,
    rules: Rules,
    position: str,
    today: dt.date,
    urgency: str | None,
    catalogue: Catalogue,
    language: str,
    signer: Signer | None = None,
) -> ExplainedReply:
    """What a reading of `message` (its new text `text`) means, in full: targets and candidates
    with their positions, proposals with the question put, and what the headers say."""
    holder = rules.holder(position, today)
    context = reply_context(rules, position, today, holder.person.name)

    def explained(st: Statement) -> ExplainedStatement:
        default = rules.calendar.default_deadline(today, urgency) if st.kind is Kind.DISPOSE else None
        deadline = st.deadline or default
        return ExplainedStatement(
            st.kind.value, st.line, [t.email for t in st.targets], list(st.codes), st.instruction,
            deadline.isoformat() if deadline else None, st.deadline is not None, st.text,
            [_target(t) for t in st.targets],
        )  # fmt: skip

    def offered(candidates: tuple[str, ...]) -> list[ExplainedTarget]:
        known = {f"{t.title} ({t.name})": t for t in (*context.allowed, *context.offices, *context.everyone)}
        return [_target(t) for c in candidates for shown, t in known.items() if c.endswith(shown)]

    problems = [
        ExplainedProblem(
            p.line, p.reason, _say(catalogue, language, p.message), list(p.candidates), offered(p.candidates)
        )
        for p in reading.problems
    ]
    proposals = [
        ExplainedProposal(p.line, p.reason, _say(catalogue, language, p.message), explained(p.statement))
        for p in reading.proposals
    ]
    ignored = machine_written(message)
    return ExplainedReply(
        position, holder.title, holder.person.email, today.isoformat(), reading.automatic, text,
        [explained(st) for st in reading.statements], problems, proposals, ignored,
        reply_code(message, holder.person.addresses, signer, today),
        [ExplainedAttachment(a.filename, a.content_type, a.size) for a in message.attachments],
        outcome_of(reading, bool(ignored)),
    )  # fmt: skip
