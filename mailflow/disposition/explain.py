"""`mailflow reply explain`: a saved reply read as if it answered a disposition request sent to one
official, the way `rules test` explains routing. Nothing is written and nothing is sent.

Admins use it when an official asks why a reply was not understood. The result's JSON shape is
documented in the README ("Explaining a reply") and kept stable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from mailflow.errors import ConfigError
from mailflow.language.statements import Kind, read_answer
from mailflow.office.model import Rules
from mailflow.outbound.catalogue import Catalogue
from mailflow.text.message import ParsedMessage


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


@dataclass(frozen=True)
class ExplainedProblem:
    line: str
    reason: str
    message: str
    candidates: list[str]


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


def position_of(rules: Rules, who: str, today: dt.date) -> str:
    """A position id from `--as`: the id, an alias, or the address of whoever holds it today."""
    wanted = who.strip().lower()
    for pid, position in rules.positions.items():
        if wanted in (pid, position.title.lower(), *(a.lower() for a in position.aliases)):
            return pid
        if wanted in rules.holder(pid, today).person.addresses:
            return pid
    raise ConfigError(f"--as {who!r}: no position, alias or holder's address of that name in the rules")


def explain_reply(
    message: ParsedMessage,
    rules: Rules,
    position: str,
    today: dt.date,
    urgency: str | None,
    catalogue: Catalogue,
    language: str,
) -> ExplainedReply:
    holder = rules.holder(position, today)
    text, reading = read_answer(message, rules, position, today, holder.person.name)
    statements = []
    for st in reading.statements:
        default = rules.calendar.default_deadline(today, urgency) if st.kind is Kind.DISPOSE else None
        deadline = st.deadline or default
        statements.append(
            ExplainedStatement(
                st.kind.value,
                st.line,
                [t.email for t in st.targets],
                list(st.codes),
                st.instruction,
                deadline.isoformat() if deadline else None,
                st.deadline is not None,
                st.text,
            )
        )
    problems = [
        ExplainedProblem(p.line, p.reason, catalogue.say(language, p.message), list(p.candidates))
        for p in reading.problems
    ]
    return ExplainedReply(
        position, holder.title, holder.person.email, today.isoformat(), reading.automatic, text,
        statements, problems,
    )  # fmt: skip
