"""The mailer of one office and mailbox: every email Mailflow writes is made here.

It holds what every email of the office shares (the composer with the office's templates, its
rules for names and languages, the signer of reply codes, the mailbox it is sent from), so a
caller says only what differs: to whom, which template, the values. Four kinds of email, as the
reader can answer them:

- `to_official`: about a disposition the reader holds, answerable: its Reply-To carries their
  signed reply code; in the letter's thread;
- `to_reader`: the same letter email without a code, to someone with no part in it;
- `reply`: a plain email from the mailbox (clerks, a held message's sender), in the thread of
  the message it answers;
- `notice`: a machine notice nobody should answer (RFC 3834 auto-generated), to an official or
  the admin.

Each returns the message; the caller queues it (outbox.enqueue, caps.notify, followup.chase),
since only the caller knows its outbox kind, key and cap. A value given as `Said` is put in the
reader's words; `office` is the office's name unless given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import Message
from typing import Any

from mailflow.config import Settings
from mailflow.domain import Said
from mailflow.office.model import Rules
from mailflow.office.regency import short_name
from mailflow.office.targets import target_of
from mailflow.outbound.compose import (
    Answered,
    Composer,
    Rendered,
    Stamp,
    build_message,
    letter_view,
    thread_root,
)
from mailflow.storage.models import Disposition, Letter, id_of
from mailflow.text.links import LETTER, link_url, make_link
from mailflow.text.message import Attachment, ParsedMessage
from mailflow.text.reply_tokens import Signer, plus_address


@dataclass(frozen=True)
class Mailer:
    composer: Composer
    rules: Rules
    settings: Settings
    signer: Signer
    sender: str  # the mailbox's address: From, and where plain replies go

    def language(self, to: str) -> str:
        """The language `to` reads (their own, else the office's)."""
        return self.rules.language_of(to, self.settings.language)

    def say(self, to: str, said: Said | str) -> str:
        """`said` in the words of `to`: for a value a template shows as it is."""
        return self.composer.say(self.language(to), said)

    def code_expires(self, today: dt.date) -> dt.date:
        """The last day a reply code made `today` is valid (and a proposal sent with it)."""
        return today + dt.timedelta(days=self.settings.token_days)

    def notice(self, to: str, template: str, **values: Any) -> Message:
        """A machine notice nobody should answer (RFC 3834 auto-generated)."""
        return self._build(self._render(to, template, values), to, auto_submitted="auto-generated")

    def reply(
        self,
        to: str,
        template: str,
        *,
        answering: Answered | None = None,
        attach: Sequence[bytes] = (),
        stamp: Stamp | None = None,
        **values: Any,
    ) -> Message:
        """A plain email from the mailbox, unsigned (nobody disposes by answering it), in the
        thread of `answering` when it answers a message; `attach`: raw messages, byte-exact;
        `stamp`: the Message-ID and Date its outbox row fixed when it was written."""
        return self._build(
            self._render(to, template, values),
            to,
            reply_to=self.sender,
            in_reply_to=answering.message_id if answering else None,
            references=answering.references if answering else (),
            attach_messages=attach,
            stamp=stamp,
        )

    def to_official(
        self,
        letter: Letter,
        node: Disposition,
        template: str,
        *,
        answering: ParsedMessage | None = None,
        files: Sequence[Attachment] = (),
        today: dt.date | None = None,
        stamp: Stamp | None = None,
        **values: Any,
    ) -> Message:
        """An email to the holder of `node`, answerable only by them: its Reply-To carries their
        signed reply code; with the officials they may dispose to and the standard instructions.
        `today` and `stamp`: the day, Message-ID and Date of when it was written, if before now."""
        today = today or self._today()
        token = self.signer.make(id_of(node), node.holder, self.code_expires(today))
        targets = [target_of(self.rules, p.id, today) for p in self.rules.dispose_targets(node.position_id)]
        shared = {
            "letter": letter_view(letter, self.settings.zone),
            "token": token,
            "targets": targets,
            "instructions": self.rules.instructions,
            "holder_title": node.holder_title,
            "holder_name": node.holder_name,
            "office_hint": self._office_hint(node),
            "web_link": self.web_link(node.holder, id_of(letter)),
        }
        root = thread_root(letter, self.sender)
        return self._build(
            self._render(node.holder, template, {**shared, **values}),
            node.holder,
            reply_to=plus_address(self.sender, token),
            in_reply_to=answering.message_id if answering else root,
            references=(root, *(answering.references if answering else ())),
            auto_submitted="auto-replied" if answering else "auto-generated",
            files=[(f.filename, f.content_type, f.read_bytes()) for f in files],
            stamp=stamp,
        )

    def to_reader(
        self,
        letter: Letter,
        to: str,
        template: str,
        *,
        answering: ParsedMessage | None = None,
        holder_title: str = "",
        holder_name: str = "",
        **values: Any,
    ) -> Message:
        """A letter's email without a reply code, to someone who holds no part of it (a superior
        told of an escalation, a clerk asking for its status): there is nothing for them to answer."""
        shared = {
            "letter": letter_view(letter, self.settings.zone),
            "token": "",
            "targets": [],
            "instructions": [],
            "holder_title": holder_title,
            "holder_name": holder_name,
            "web_link": self.web_link(to, id_of(letter)),
        }
        return self._build(
            self._render(to, template, {**shared, **values}),
            to,
            in_reply_to=answering.message_id if answering else None,
            references=answering.references if answering else (),
            auto_submitted="auto-replied" if answering else "auto-generated",
        )

    def web_link(self, to: str, letter_id: int) -> str:
        """The letter's page, signed for `to` and good once, when the office serves the web
        pages (`[web]`); "" otherwise, and the templates leave the line out."""
        web = self.settings.web
        if web is None:
            return ""
        token, _ = make_link(web.secret(), LETTER, to, letter_id)
        return link_url(web.public_url, LETTER, token)

    def _today(self) -> dt.date:
        return dt.datetime.now(self.settings.zone).date()

    def _office_hint(self, node: Disposition) -> Said | None:
        """How the office head names another office, with one they may send to as the example."""
        if node.position_id != self.rules.head_position:
            return None
        allowed = [n for n in self.rules.neighbours if n.allowed]
        return Said.of("office.hint", example=short_name(allowed[0].name)) if allowed else None

    def _render(self, to: str, template: str, values: dict[str, Any]) -> Rendered:
        language = self.language(to)
        words = {k: self.composer.say(language, v) if isinstance(v, Said) else v for k, v in values.items()}
        return self.composer.render(template, language, **{"office": self.rules.office_name, **words})

    def _build(self, rendered: Rendered, to: str, **headers: Any) -> Message:
        return build_message(
            rendered, sender=self.sender, sender_name=f"Mailflow {self.rules.office_code}", to=to, **headers
        )
