"""The App: settings and the edges (database, storage, templates, IMAP, SMTP), built once.

Commands build one App and pass it on; nothing imports a global. Tests inject their own
`connect` (a mailbox factory) or `sender` instead of patching modules.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from sqlalchemy.engine import Engine

from mailflow.config import MailboxSettings, Settings, configured_token_key
from mailflow.context import Context
from mailflow.domain import Said
from mailflow.errors import ConfigError, RulesError
from mailflow.net.dkim_keys import TxtLookup, pinned
from mailflow.net.dns import CachedTxt
from mailflow.net.imap import Mailbox
from mailflow.oauth.tokens import TokenBroker
from mailflow.office.model import Rules
from mailflow.office.regency import REGENCY_FILE, Regency, load_regency
from mailflow.outbound import outbox
from mailflow.outbound.compose import Composer
from mailflow.outbound.mailer import Mailer
from mailflow.outbound.outbox import Sender
from mailflow.storage.archive import Archive, private_dirs
from mailflow.storage.db import ensure_schema, make_engine, transaction
from mailflow.text.reply_tokens import Signer

log = logging.getLogger(__name__)


RELAY_ASK_AGAIN = 300  # seconds before a relay that did not tell its SIZE is asked again


class RulesHolder:
    """The rules tree in force; reloaded when a file changes, keeping the last good set on error."""

    def __init__(self, folder: Path, every: float = 0.0) -> None:
        self.folder = folder
        self.every = every  # seconds between looks at the files' times (`rules_check_seconds`)
        self._looked = time.monotonic()
        self._stamp = self._mtimes()
        self.current: Regency = load_regency(folder)
        self.last_error: RulesError | None = None
        self.unreported = False  # a new last_error the admin has not been told about yet

    def _mtimes(self) -> tuple[tuple[str, float], ...]:
        """The rules files and their times; a regency's 120 files take ~2 ms, hence `every`."""
        files = (
            self.folder.rglob("*.toml")
            if (self.folder / REGENCY_FILE).exists()
            else self.folder.glob("*.toml")
        )
        return tuple(sorted((str(p), p.stat().st_mtime) for p in files))

    def get(self) -> Regency:
        if time.monotonic() - self._looked < self.every:
            return self.current
        self._looked = time.monotonic()
        stamp = self._mtimes()
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self.current = load_regency(self.folder)
                self.last_error = None
                log.info("event=rules_reloaded folder=%s", self.folder)
            except RulesError as exc:
                self.last_error = exc
                self.unreported = True
                log.error(
                    "event=rules_rejected folder=%s problems=%d first=%r (keeping the last good rules)",
                    self.folder,
                    len(exc.problems),
                    str(exc.problems[0]),
                )
        return self.current


def token_key(settings: Settings) -> bytes:
    """The reply-token key: configured, or made once and kept (0600) beside the storage."""
    if (key := configured_token_key(settings)) is not None:
        return key
    path = settings.storage_dir / "keys" / "token.key"
    private_dirs(path.parent)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_bytes().strip()


def worker_id() -> str:
    """This process among the workers sharing a database: the owner of its mailbox leases."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class App:
    settings: Settings
    engine: Engine
    archive: Archive
    composer: Composer
    rules: RulesHolder
    sender: Sender
    signer: Signer
    connect: Callable[[MailboxSettings], Mailbox] = field(default=Mailbox.connect)
    txt_lookup: TxtLookup = field(default_factory=CachedTxt)  # DNS, for DKIM keys
    worker: str = field(default_factory=worker_id)
    templates: Path | None = None  # the service's own templates over the built-in ones
    _composers: tuple[Regency | None, dict[str, Composer]] = field(default=(None, {}), init=False, repr=False)
    _smtp_silent_since: float | None = field(default=None, init=False, repr=False)

    @classmethod
    def build(cls, settings: Settings, **edges) -> App:
        # One connection per parallel poll, and one each for the outbox, follow-up and health jobs.
        engine = make_engine(settings.database_url, connections=settings.parallel_polls + 3)
        tokens = TokenBroker()
        edges.setdefault("connect", partial(Mailbox.connect, tokens=tokens))
        ensure_schema(engine)
        templates = settings.templates_dir
        override = templates if templates.resolve() != Composer.builtin().resolve() else None
        return cls(
            settings=settings,
            engine=engine,
            archive=Archive(settings.storage_dir),
            composer=Composer(override),
            templates=override,
            rules=RulesHolder(settings.rules_dir, settings.rules_check_seconds),
            sender=edges.pop("sender", None) or Sender.of(settings, tokens),
            signer=Signer(token_key(settings)),
            txt_lookup=pinned(settings.dkim_keys, edges.pop("txt_lookup", None) or CachedTxt()),
            **edges,
        )

    def message_limit(self, imap_limit: int | None = None) -> int:
        """The `max_message_bytes` in force (Settings.message_limit): the config's, else the
        mailbox's APPENDLIMIT, else the SMTP relay's SIZE."""
        asks = self.settings.max_message_bytes is None and not imap_limit
        return self.settings.message_limit(imap_limit, self.relay_size() if asks else None)

    def relay_size(self, ask: bool = True) -> int | None:
        """The SIZE the SMTP relay announces (None: none, or not known yet): the one it announced
        last, asking it, or sending through it (Sender.heard), so a relay that was down when a
        request was composed is known as soon as it answers. Asked until it answers once in the
        process (a relay that did not answer is asked again after RELAY_ASK_AGAIN seconds, not at
        every poll); `ask=False` only tells what is known, for a caller inside a transaction (no
        network there)."""
        silent = self._smtp_silent_since
        due = silent is None or time.monotonic() - silent > RELAY_ASK_AGAIN
        if ask and self.sender.heard is None and due:
            answered, _announced = self.sender.announced_size()
            if not answered:
                self._smtp_silent_since = time.monotonic()
        return self.sender.heard[0] if self.sender.heard else None

    def say(self, said: Said) -> str:
        """Words for the admin, in the admin's language (config `admin_language`)."""
        return self.composer.catalogue.say(self.settings.admin_language, said)

    def report_rules_problem(self) -> bool:
        """Email the admin once about a broken rules edit; True when a report was queued."""
        self.rules.get()
        error = self.rules.last_error
        if not self.rules.unreported or error is None or not self.settings.admin_email:
            return False
        regency = self.rules.current
        rules = next(iter(regency.offices.values()))
        sender = (
            self.settings.mailboxes[0].address if self.settings.mailboxes else self.settings.smtp.from_address
        )
        mailer = Mailer(self.composer, rules, self.settings, self.signer, sender)
        mail = mailer.notice(
            self.settings.admin_email,
            "rules_broken",
            office=regency.name,
            folder=self.rules.folder,
            problems=[str(p) for p in error.problems],
        )
        with transaction(self.engine) as session:
            outbox.enqueue(session, mail, "rules_broken")
        self.rules.unreported = False
        return True

    def office_of(self, box: MailboxSettings) -> str:
        """The office a mailbox serves (ConfigError when the rules tree cannot say)."""
        code = self.rules.get().office_of_mailbox(box.address, box.office)
        if code is None:
            raise ConfigError(
                f'mailbox {box.name!r}: which office does it serve? Set office = "CODE" in its '
                "[[mailboxes]] table, or list its address as a unit's mailbox in that office's "
                "organisation.toml"
            )
        return code

    def office_rules(self, code: str) -> Rules:
        return self.rules.get().office(code)

    def context(self, office: str | MailboxSettings | None = None) -> Context:
        """What handling one message needs, with the rules of `office` (a code, or the office a
        mailbox serves; None: the first office, for a single-office setup)."""
        regency = self.rules.get()
        if isinstance(office, MailboxSettings):
            office = self.office_of(office)
        rules = regency.office(office) if office else next(iter(regency.offices.values()))
        composers = self.composers(regency)
        composer = composers.get(rules.office_code, self.composer)
        return Context(
            self.settings,
            rules,
            composer,
            self.archive,
            self.signer,
            regency,
            composers,
            self.composer,
            self.relay_size(ask=False),
        )

    def composers(self, regency: Regency) -> dict[str, Composer]:
        """The offices with templates of their own (a `templates/` folder beside their rules),
        built once per rules tree; the others use the service's composer."""
        if self._composers[0] is not regency:
            own = {
                code: Composer(rules.folder / "templates", self.templates)
                for code, rules in regency.offices.items()
                if rules.folder is not None and (rules.folder / "templates").is_dir() and not regency.single
            }
            self._composers = (regency, own)
        return self._composers[1]
