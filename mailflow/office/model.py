"""The office as the rules folder describes it: units, positions, people, acting officials, clerks,
instructions, calendar and routing, as frozen values (pure). `Rules` answers who holds what today."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from mailflow.office.calendar import Calendar
from mailflow.office.routing import RoutingRule

URGENCIES = ("amat segera", "segera", "penting", "biasa")
SECURITIES = ("sangat rahasia", "rahasia", "terbatas", "biasa")


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    email: str
    also: tuple[str, ...] = ()
    language: str = "id"

    @property
    def addresses(self) -> tuple[str, ...]:
        return (self.email, *self.also)


@dataclass(frozen=True)
class Position:
    id: str
    title: str
    unit: str
    holder: str
    reports_to: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Acting:
    position: str
    person: str
    kind: str  # "Plt" or "Plh"
    start: dt.date
    until: dt.date


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    head: str
    mailbox: str | None = None


@dataclass(frozen=True)
class Clerk:
    name: str
    email: str


@dataclass(frozen=True)
class Holder:
    """Who holds a position on a given day, and whether they only act for it."""

    person: Person
    position: Position
    acting: str | None = None  # "Plt" / "Plh"

    @property
    def title(self) -> str:
        return f"{self.acting}. {self.position.title}" if self.acting else self.position.title


@dataclass(frozen=True)
class Instruction:
    code: int
    text: str


@dataclass(frozen=True)
class Neighbour:
    """Another office of the regency, as this office's officials may name it in a disposition:
    its head is the target; `allowed` when the regency file lets this office send to it."""

    code: str
    name: str
    aliases: tuple[str, ...]
    rules: Rules
    allowed: bool


@dataclass(frozen=True)
class Senders:
    """Whom an office's rules know, as the reading asks (Rules.clerk and person_by_address:
    lowercase addresses), small enough to send to a reading process (inbound.reading_apart)."""

    clerks: frozenset[str]
    people: frozenset[str]


@dataclass(frozen=True)
class Rules:
    office_name: str
    office_code: str
    letterhead: tuple[str, ...]
    clerks: tuple[Clerk, ...]
    units: dict[str, Unit]
    positions: dict[str, Position]
    people: dict[str, Person]
    acting: tuple[Acting, ...] = ()
    instructions: tuple[Instruction, ...] = ()
    calendar: Calendar = field(default_factory=Calendar)
    routing: tuple[RoutingRule, ...] = ()
    allowances: dict[str, tuple[str, ...]] = field(default_factory=dict)
    folder: Path | None = field(default=None, compare=False)
    head: str = ""  # the office head's position: who receives letters passed from other offices
    admin: str = ""  # the office's own admin address (quarantine, health), else the global one
    neighbours: tuple[Neighbour, ...] = field(default=(), compare=False, repr=False)

    @property
    def head_position(self) -> str:
        return self.head or next(iter(self.units.values())).head

    def dispose_targets(self, position_id: str) -> list[Position]:
        """Whom the holder of `position_id` may dispose to, in the order of the numbered list:
        the positions below it in the chart, then the extra allowances of the rules."""
        below = [p for p in self.positions.values() if p.reports_to == position_id]
        extra = [self.positions[p] for p in self.allowances.get(position_id, ()) if p in self.positions]
        return below + [p for p in extra if p not in below]

    def instruction(self, code: int) -> Instruction | None:
        return next((i for i in self.instructions if i.code == code), None)

    @cached_property
    def senders(self) -> Senders:
        """Computed once per rules load: the reading asks it of every message."""
        people = frozenset(a for p in self.people.values() for a in p.addresses)
        return Senders(frozenset(c.email for c in self.clerks), people)

    def clerk(self, address: str) -> Clerk | None:
        address = address.lower()
        return next((c for c in self.clerks if c.email == address), None)

    def person_by_address(self, address: str) -> Person | None:
        address = address.lower()
        return next((p for p in self.people.values() if address in p.addresses), None)

    def language_of(self, address: str, default: str) -> str:
        """The language `address` reads: the person's own, else the office's `default`."""
        person = self.person_by_address(address)
        return person.language if person else default

    def unit_for_mailbox(self, address: str) -> Unit | None:
        address = address.lower()
        return next((u for u in self.units.values() if u.mailbox == address), None)

    def holder(self, position_id: str, on: dt.date) -> Holder:
        position = self.positions[position_id]
        for act in self.acting:
            if act.position == position_id and act.start <= on <= act.until:
                return Holder(self.people[act.person], position, act.kind)
        return Holder(self.people[position.holder], position)
