"""Routing: which position gets a newly filed letter first (pure).

Ordered rules, first match wins; every condition a rule states must hold. The outcome records
which rule fired and why, so "why was this routed here?" always has an answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class RoutingRule:
    name: str
    to: str
    mailbox: str | None = None
    sender: tuple[str, ...] = ()
    subject_keywords: tuple[str, ...] = ()
    subject_pattern: re.Pattern[str] | None = None
    classification: tuple[str, ...] = ()
    urgency: tuple[str, ...] = ()
    security: tuple[str, ...] = ()
    copies: tuple[str, ...] = ()
    instruction: int | None = None
    deadline_days: int | None = None

    def conditions(self) -> int:
        return sum(
            bool(x)
            for x in (
                self.mailbox,
                self.sender,
                self.subject_keywords,
                self.subject_pattern,
                self.classification,
                self.urgency,
                self.security,
            )
        )


@dataclass(frozen=True)
class LetterFacts:
    """What routing may look at."""

    mailbox: str
    sender: str
    subject: str
    classification: str
    urgency: str
    security: str


@dataclass(frozen=True)
class Reason:
    """Why a rule fired, before any language: the catalogue's `route.<code>` and its values."""

    code: str
    values: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, code: str, /, **values: str) -> Reason:
        return cls(code, tuple(values.items()))

    @property
    def key(self) -> str:
        return f"route.{self.code}"


@dataclass(frozen=True)
class Route:
    rule: str
    to: str
    copies: tuple[str, ...]
    instruction: int | None
    deadline_days: int | None
    reasons: tuple[Reason, ...]  # why it fired, for `rules test` and the letter's log


def _sender_matches(patterns: tuple[str, ...], sender: str) -> str | None:
    address = sender.lower()
    m = re.search(r"<([^>]+)>", address)
    address = m[1] if m else address
    for pattern in patterns:
        p = pattern.lower()
        if (p.startswith("@") and address.endswith(p)) or address == p:
            return pattern
    return None


def match(rule: RoutingRule, facts: LetterFacts) -> tuple[Reason, ...] | None:
    """The reasons `rule` matches `facts`, or None when one of its conditions fails."""
    reasons: list[Reason] = []
    if rule.mailbox:
        if rule.mailbox != facts.mailbox:
            return None
        reasons.append(Reason.of("mailbox", mailbox=facts.mailbox))
    if rule.sender:
        hit = _sender_matches(rule.sender, facts.sender)
        if hit is None:
            return None
        reasons.append(Reason.of("sender", pattern=hit))
    if rule.subject_keywords:
        subject = facts.subject.lower()
        hit = next((k for k in rule.subject_keywords if k.lower() in subject), None)
        if hit is None:
            return None
        reasons.append(Reason.of("keyword", keyword=hit))
    if rule.subject_pattern is not None:
        if not rule.subject_pattern.search(facts.subject):
            return None
        reasons.append(Reason.of("pattern", pattern=rule.subject_pattern.pattern))
    if rule.classification:
        hit = next((c for c in rule.classification if facts.classification.startswith(c)), None)
        if hit is None or not facts.classification:
            return None
        reasons.append(Reason.of("classification", code=facts.classification, prefix=hit))
    for name in ("urgency", "security"):
        wanted = getattr(rule, name)
        value = getattr(facts, name)
        if wanted:
            if value not in wanted:
                return None
            reasons.append(Reason.of(name, value=value))
    return tuple(reasons)


def route(rules: tuple[RoutingRule, ...], facts: LetterFacts, fallback_to: str) -> Route:
    for rule in rules:
        reasons = match(rule, facts)
        if reasons is not None:
            return Route(
                rule.name,
                rule.to,
                rule.copies,
                rule.instruction,
                rule.deadline_days,
                reasons or (Reason.of("always"),),
            )
    return Route("fallback", fallback_to, (), None, None, (Reason.of("fallback"),))
