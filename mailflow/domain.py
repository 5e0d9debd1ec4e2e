"""Pure domain types shared by the pipeline: no I/O here.

The registry fields follow the agenda book of Indonesian regional offices (domain reference
§1.2). Urgency (kecepatan) and security (keamanan) are separate axes (§1.3).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from enum import Enum, StrEnum
from typing import Any


class Urgency(StrEnum):
    AMAT_SEGERA = "amat segera"
    SEGERA = "segera"
    PENTING = "penting"
    BIASA = "biasa"


class Security(StrEnum):
    SANGAT_RAHASIA = "sangat rahasia"
    RAHASIA = "rahasia"
    TERBATAS = "terbatas"
    BIASA = "biasa"


class Source(StrEnum):
    """Where a registry field came from, so the receipt can say how sure we are."""

    CLERK = "clerk"
    FORWARD = "forward"
    PDF = "pdf"
    OCR = "ocr"
    LETTER_NUMBER = "letter number"
    EMAIL = "email"
    CUT = "cut"  # a forwarded header past the readers' bound, kept to its first MAX_LINE characters


FIELD_NAMES = (
    "sender",
    "letter_number",
    "letter_date",
    "subject",
    "attachment_count",
    "urgency",
    "security",
    "classification",
    "note",
)


@dataclass(frozen=True)
class LetterFields:
    """The registry fields of one letter; None means unknown, never a guess."""

    sender: str | None = None
    letter_number: str | None = None
    letter_date: dt.date | None = None
    subject: str | None = None
    attachment_count: int | None = None
    urgency: Urgency | None = None
    security: Security | None = None
    classification: str | None = None
    note: str | None = None
    sources: dict[str, Source] = field(default_factory=dict)

    def merged_under(self, weaker: LetterFields) -> LetterFields:
        """Fill what this one lacks from `weaker`, keeping where each value came from."""
        values: dict[str, Any] = {}
        sources = dict(weaker.sources)
        for name in FIELD_NAMES:
            mine = getattr(self, name)
            if mine is not None:
                values[name] = mine
                if name in self.sources:
                    sources[name] = self.sources[name]
            else:
                values[name] = getattr(weaker, name)
        return replace(self, **values, sources=sources)

    def unknown(self) -> list[str]:
        return [name for name in FIELD_NAMES if name != "note" and getattr(self, name) is None]


@dataclass(frozen=True)
class ReplyMatch:
    """Which of our emails a message answers, found by inbound.threads; triage decides on it."""

    kind: str  # "receipt" or "disposition"
    letter_id: int
    owners: tuple[str, ...]  # addresses that may act in this thread
    disposition_id: int | None = None
    via: str = ""
    problem: str | None = None


@dataclass(frozen=True)
class Said:
    """Words for a person, not yet in a language: a message-catalogue key and its values
    (outbound/catalogue.py renders it in the reader's language). Values may be text, numbers,
    dates, lists, or another Said."""

    key: str
    params: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, key: str, **params: object) -> Said:
        return cls(key, tuple(params.items()))

    def __str__(self) -> str:  # logs and tests see the key and values, never a language
        values = ", ".join(f"{k}={v}" for k, v in self.params)
        return f"{self.key}({values})" if values else self.key


def stored(value: object) -> object:
    """A field as the registry stores it: enums by their value, everything else as it is."""
    return value.value if isinstance(value, Enum) else value
