"""What reading a reply yields (pure types): statements that act, problems asked back, and
proposals put to the sender to confirm.

The invariants of the reply language live in these types, so no reader can break them: a
disposition always names at least one target (a "semua" from someone with nobody under them is a
problem, never a disposition to nobody).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from mailflow.domain import Said

if TYPE_CHECKING:
    from mailflow.office.targets import Target


class Kind(StrEnum):
    DISPOSE = "dispose"
    ACK = "acknowledge"
    PROGRESS = "progress"
    DONE = "done"
    ARCHIVE = "archive"
    UNDO = "undo"
    STATUS = "status"
    HELP = "help"
    NOTE = "note"


class EmptyDisposition(ValueError):
    """A disposition without a target: a bug in the reader, never a reading."""


@dataclass(frozen=True)
class Statement:
    kind: Kind
    line: str
    targets: tuple[Target, ...] = ()
    instruction: str = ""
    deadline: dt.date | None = None
    text: str = ""
    codes: tuple[int, ...] = ()  # the numbered instructions the line named

    def __post_init__(self) -> None:
        if self.kind is Kind.DISPOSE and not self.targets:
            raise EmptyDisposition(self.line)


@dataclass(frozen=True)
class Problem:
    """A line that was not applied, and why; asked back to the sender in their language."""

    line: str
    reason: str  # unknown_target | ambiguous_target | not_allowed | no_targets | bad_deadline
    #              | unknown_instruction | too_long (and, when applied: closed | nothing_to_undo | too_late)
    message: Said
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class Proposal:
    """A line close to a statement but not fully read: the reading it most likely means.

    Never applied as it stands: the sender is asked to confirm it ("Balas YA"), and only their
    confirmation applies `statement`, through the same path as a direct one.
    """

    line: str
    statement: Statement
    reason: str  # what was not fully read: near_target | stray_word | known_words
    message: Said  # the question put to the sender, naming the reading


@dataclass(frozen=True)
class Reading:
    statements: tuple[Statement, ...]
    problems: tuple[Problem, ...]
    automatic: bool = False  # an out-of-office text: read as nothing, answered with nothing
    proposals: tuple[Proposal, ...] = ()  # close readings, to be confirmed before they act

    def of(self, kind: Kind) -> list[Statement]:
        return [s for s in self.statements if s.kind is kind]
