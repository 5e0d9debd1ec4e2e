"""What a reply must be read as, written from the contract (../shared/docs/reply-language.md)
before the product read it: the types of the own corpus (tests/corpus/own.py, field.py).

A case is the new text one official types, who they are (the holder of the request answered),
and its expected reading: the statements that act (or are notes), the close readings the one
answer proposes for confirmation ("Maksud Bapak: ...? Balas YA"), and the lines asked back.
Reason codes of ask-backs: unknown_target, ambiguous_target, not_allowed, bad_deadline,
unknown_instruction, and no_targets (`semua` from someone with nobody under them).
Today is Wednesday 25 November 2026 in the example office (rules/); working days skip weekends.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

TODAY_ISO = "2026-11-25"
SEK, DIKDAS, PAUD, KASUBBAG = "sekretaris", "kabid.dikdas", "kabid.paud", "kasubbag.umum"
UNDER_KADIS = (SEK, DIKDAS, PAUD)


@dataclass(frozen=True)
class Expect:
    kind: str  # dispose | acknowledge | progress | done | archive | undo | status | help | note
    targets: tuple[str, ...] = ()  # the targets' address local parts, in order
    instruction: str = ""
    deadline: str | None = None  # ISO date
    text: str = ""


@dataclass(frozen=True)
class Ask:
    """A line asked back: its reason, and the candidates it must offer (address local parts, in
    any order; None when the case does not check them)."""

    reason: str
    candidates: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Case:
    text: str
    expect: tuple[Expect, ...] = ()  # statements, in order (notes included)
    problems: tuple[str | Ask, ...] = ()  # ask-backs, in order; a bare string is a reason
    holder: str = "kadis"  # the position whose request is answered
    automatic: bool = False  # an out-of-office text: nothing is read, nothing answered
    # Close readings the answer proposes, to act once confirmed. A proposed disposition to a near
    # target may instead be asked back offering only (some of) its targets as candidates.
    proposals: tuple[Expect, ...] = ()
    cls: str = ""  # the class of replies it stands for (README of tests/corpus: field.py's CLASSES)
    apps: tuple[str, ...] = ()  # the mail apps that send it (names in tests/support/clients.py)

    @property
    def slug(self) -> str:
        words = "".join(c if c.isalnum() else " " for c in self.text.lower()).split()
        return "-".join(words)[:48].rstrip("-") + ("" if self.holder == "kadis" else f"@{self.holder}")


def D(targets: str | tuple[str, ...], instruction: str, deadline: str | None = None) -> Expect:
    return Expect("dispose", (targets,) if isinstance(targets, str) else targets, instruction, deadline)


ACK, STATUS, HELP, ARCHIVE, UNDO = (Expect(k) for k in ("acknowledge", "status", "help", "archive", "undo"))


def PROGRESS(text: str = "") -> Expect:
    return Expect("progress", text=text)


def DONE(text: str = "") -> Expect:
    return Expect("done", text=text)


def NOTE(text: str) -> Expect:
    return Expect("note", text=text)


def classed(cls: str, cases: list[Case]) -> list[Case]:
    return [replace(c, cls=cls) for c in cases]
