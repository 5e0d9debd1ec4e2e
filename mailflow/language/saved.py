"""Statements as a proposal keeps them until they are confirmed (pure).

A proposal may be confirmed days later, when a position has a new holder or an acting one: so a
target is kept by its position id and found again in the rules of the day it acts, and what it
acts on is exactly what the official was shown (instruction, codes, deadline), never read again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from pydantic import BaseModel, ConfigDict, TypeAdapter

from mailflow.language.readings import Kind, Statement
from mailflow.office.targets import Target


class SavedStatement(BaseModel):
    """One statement, its targets by position id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Kind
    line: str
    targets: tuple[str, ...] = ()
    instruction: str = ""
    deadline: dt.date | None = None
    text: str = ""
    codes: tuple[int, ...] = ()

    @classmethod
    def of(cls, statement: Statement) -> SavedStatement:
        return cls(
            kind=statement.kind,
            line=statement.line,
            targets=tuple(t.position_id for t in statement.targets),
            instruction=statement.instruction,
            deadline=statement.deadline,
            text=statement.text,
            codes=statement.codes,
        )


_LIST = TypeAdapter(tuple[SavedStatement, ...])


def dump(statements: Sequence[Statement]) -> str:
    """The statements as JSON text, for the proposal's row."""
    return _LIST.dump_json(tuple(SavedStatement.of(s) for s in statements)).decode()


def load(data: str, target: Callable[[str], Target | None]) -> tuple[Statement, ...] | list[str]:
    """The statements again, each target found by `target` (its position today); or, when `target`
    no longer finds one (a position gone from the rules, or no longer one the sender may name),
    the position ids it misses: then none of them may act."""
    kept = _LIST.validate_json(data)
    found = {p: target(p) for s in kept for p in s.targets}
    missing = [p for p, t in found.items() if t is None]
    if missing:
        return missing
    return tuple(
        Statement(
            s.kind,
            s.line,
            tuple(t for p in s.targets if (t := found[p]) is not None),
            s.instruction,
            s.deadline,
            s.text,
            s.codes,
        )
        for s in kept
    )
