"""Who is reading: a signed-in address, known to one office's organisation chart."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from mailflow.config import Settings
from mailflow.office.model import Rules
from mailflow.office.regency import Regency


@dataclass(frozen=True)
class Reader:
    address: str
    rules: Rules  # the office whose chart knows them: they see its letters only
    language: str
    name: str
    mine: frozenset[str]  # every address of the person (as STATUS counts them)
    held: frozenset[str]  # positions held (or acted for) today
    clerk: bool
    admin: bool
    head: bool
    today: dt.date  # in the office's zone: who holds a position is a question of the day

    @property
    def office(self) -> str:
        return self.rules.office_code


def admin_of(rules: Rules, settings: Settings) -> str:
    """The office's own admin, else the service's (the office model's rule)."""
    return (rules.admin or settings.admin_email).lower()


def reader_for(regency: Regency, settings: Settings, address: str, today: dt.date) -> Reader | None:
    """The reader `address` is, or None when no office's chart knows it (no sign-in)."""
    wanted = address.strip().lower()
    for rules in regency.offices.values():
        person = rules.person_by_address(wanted)
        clerk = rules.clerk(wanted) is not None
        admin = admin_of(rules, settings) == wanted
        if person is None and not clerk and not admin:
            continue
        mine = frozenset(person.addresses) if person else frozenset({wanted})
        held = frozenset(p for p in rules.positions if rules.holder(p, today).person.email in mine)
        return Reader(
            address=wanted,
            rules=rules,
            language=rules.language_of(wanted, settings.language),
            name=person.name if person else wanted,
            mine=mine,
            held=held,
            clerk=clerk,
            admin=admin,
            head=rules.head_position in held,
            today=today,
        )
    return None
