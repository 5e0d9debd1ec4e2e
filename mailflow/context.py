"""What handling one message needs: the settings, the rules of its office (and the regency they
belong to), templates, storage, the reply-token signer, and the office's mailer made of them.
Built once per message from the App and passed down; nothing imports a global."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from mailflow.config import MailboxSettings, Settings
from mailflow.office.model import Rules
from mailflow.office.regency import Regency
from mailflow.outbound.compose import Composer
from mailflow.outbound.mailer import Mailer
from mailflow.storage.archive import Archive
from mailflow.storage.models import Letter
from mailflow.text.reply_tokens import Signer


@dataclass(frozen=True)
class Context:
    settings: Settings
    rules: Rules
    composer: Composer
    archive: Archive
    signer: Signer
    regency: Regency
    # The offices of the regency with templates of their own; `base` is everyone else's composer.
    composers: Mapping[str, Composer] = field(default_factory=dict)
    base: Composer | None = None
    relay_size: int | None = None  # the SMTP relay's SIZE, when known (App.relay_size)

    def for_office(self, code: str) -> Context:
        """The same context with the rules (and templates) of office `code`: a letter of another
        office, or one passed to it."""
        if code == self.rules.office_code:
            return self
        base = self.base or self.composer
        composer = self.composers.get(code, base)
        return dataclasses.replace(self, rules=self.regency.office(code), composer=composer)

    def mailer(self, box: MailboxSettings | str | None = None) -> Mailer:
        """The office's email, sent from `box` (or that address): the mailbox a letter came
        through, else the service's first mailbox (where follow-ups and notices without a letter
        come from)."""
        address = box if isinstance(box, str) else (box or self.settings.mailboxes[0]).address
        return Mailer(self.composer, self.rules, self.settings, self.signer, address)

    def keyed(self, name: str) -> str:
        """`name` in an outbox key, made the office's own in a regency (offices share unit ids,
        and a person may sit in two offices' charts); one office alone keeps its old keys."""
        return name if self.regency.single else f"{self.rules.office_code}.{name}"

    @property
    def attach_limit(self) -> int:
        """The scans a disposition request carries at most (Settings.attach_limit)."""
        return self.settings.attach_limit(self.relay_size)

    @property
    def admin(self) -> str:
        """Who is told about this office's problems: its own admin, else the service's."""
        return self.rules.admin or self.settings.admin_email

    def mailbox_for(self, code: str) -> MailboxSettings | None:
        """The first mailbox serving office `code`: where its mail is sent from and answered."""
        return next(
            (
                b
                for b in self.settings.mailboxes
                if self.regency.office_of_mailbox(b.address, b.office) == code
            ),
            None,
        )

    def mailbox_of(self, letter: Letter) -> MailboxSettings:
        """The mailbox a letter came through, which its follow-up mail is sent from."""
        return self.mailbox_named(letter.mailbox, letter.office)

    def mailbox_named(self, name: str, office: str | None) -> MailboxSettings:
        """The mailbox `name` of a letter or held message of `office`; for one since renamed or
        taken out of the config, the office's first mailbox (else the service's)."""
        named = next((b for b in self.settings.mailboxes if b.name == name), None)
        if named is None and office:
            named = self.mailbox_for(office)
        return named or self.settings.mailboxes[0]
