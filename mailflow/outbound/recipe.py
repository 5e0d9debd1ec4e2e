"""What composes a receipt or a disposition request after the filing commit.

Rendering the templates and building the MIME message (with the scan attached to a request) was
a third of the CPU of filing a letter, inside its transaction. The filing now writes the outbox
row with this recipe and no bytes; the sender composes it before its first try and writes the
bytes once (ops/composing.py), so every retry sends the same email, as for every other row.
Everything that makes two compositions different emails is fixed here, when the row is written:
the Message-ID (a column of the row: replies, bounces and threads find the email by it), the
Date, the thread it answers, and the day the reply code and the targets are counted from. The
letter's fields, files and words are read when it is composed: right after the commit, or on
the next run after a crash.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from email.utils import format_datetime
from typing import Any

from mailflow.outbound.compose import Stamp


@dataclass(frozen=True)
class Thread:
    """The message a receipt answers, as Mailer.reply threads it (compose.Answered)."""

    message_id: str
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recipe:
    office: str  # whose rules, words and templates compose it
    sender: str  # the mailbox it is sent from
    date: str  # its Date header, fixed when written
    today: str  # ISO day: the reply code's expiry and the targets are counted from it
    answering: Thread | None = None
    disposer_title: str = ""  # a request: who disposed the letter to its holder
    passed_from: str = ""  # a request: who passed the letter on from another office

    @classmethod
    def written(
        cls, office: str, sender: str, today: dt.date, answering: Thread | None = None, **rest: str
    ) -> Recipe:
        """The recipe of an email written now (its Date: now, as if composed now)."""
        date = format_datetime(dt.datetime.now(dt.UTC))
        return cls(office, sender, date, today.isoformat(), answering, **rest)

    @property
    def day(self) -> dt.date:
        return dt.date.fromisoformat(self.today)

    def stamp(self, message_id: str) -> Stamp:
        return Stamp(message_id, self.date)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Recipe:
        thread = data.get("answering")
        answering = Thread(thread["message_id"], tuple(thread["references"])) if thread else None
        return cls(**{**data, "answering": answering})
