"""The outbox: emails are rows first, written with the event that causes them, sent later.

A row's Message-ID and bytes are fixed when it is written, so a retry after a crash or an SMTP
failure delivers the same email again, never a second distinct one. A receipt or a request is
written as its recipe (outbound/recipe.py) and its bytes once, when composed after the commit
(ops/composing.py); a row is claimed for sending only once it has them. Failures back off
exponentially; a row that keeps failing is marked `failed` for the admin after MAX_ATTEMPTS.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr

import aiosmtplib
from sqlalchemy import event, insert, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from mailflow.config import OAuthSettings, Settings, SmtpSettings
from mailflow.domain import Said
from mailflow.errors import SignInError
from mailflow.net.misdial import misdial
from mailflow.net.tls import tls_context
from mailflow.oauth.tokens import TokenBroker
from mailflow.outbound.catalogue import words_for
from mailflow.outbound.compose import Stamp, message_bytes
from mailflow.outbound.recipe import Recipe
from mailflow.storage.db import transaction
from mailflow.storage.events import log_event
from mailflow.storage.models import Letter, OutboxMessage, OutboxStatus, fetch, id_of, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
# Answers to incoming mail: the kinds a mail loop or a storm would multiply. Workflow mail
# (receipts, requests, instructions, notices) and the office's own people are not capped: a busy
# official may well answer a hundred letters a day, while a loop comes from an unknown machine.
RESPONSE_KINDS = ("held", "duplicate", "corrected", "confirmation", "status")
# Outbox kinds whose delivery is itself a step in the letter's log.
LOGGED_KINDS = {"receipt": "receipt_sent"}


def already_queued(session: Session, dedupe_key: str) -> bool:
    return (
        session.exec(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)).first()
        is not None
    )


def enqueue(
    session: Session,
    msg: Message,
    kind: str,
    letter_id: int | None = None,
    disposition_id: int | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    """Add `msg` to the outbox inside the caller's transaction."""
    row = OutboxMessage(
        message_id=msg["Message-ID"],
        kind=kind,
        recipient=str(msg["To"]),
        subject=str(msg["Subject"]),
        raw=message_bytes(msg),
        letter_id=letter_id,
        disposition_id=disposition_id,
        dedupe_key=dedupe_key,
    )
    session.add(row)
    return row


# One statement for every recipe row, its values bound: built and compiled once.
_RECIPE_INSERT = insert(OutboxMessage)


def enqueue_recipe(
    session: Session,
    recipe: Recipe,
    kind: str,
    recipient: str,
    letter_id: int | None = None,
    disposition_id: int | None = None,
) -> str:
    """Add an email to the outbox as what composes it (outbound/recipe.py), inside the caller's
    transaction; its Message-ID (returned) fixed now, its subject and bytes written when composed.

    One INSERT on the session's connection, no object (filing writes two a letter): the row is
    values Mailflow made here, the rows it points to are stored, and nothing in the session
    holds it (the composer reads it back with a query after the commit)."""
    now = utcnow()
    message_id = Stamp.now(recipe.sender).message_id
    session.connection().execute(
        _RECIPE_INSERT,
        {
            "message_id": message_id,
            "kind": kind,
            "recipient": recipient,
            "subject": "",
            "raw": None,
            "recipe": recipe.to_json(),
            "letter_id": letter_id,
            "disposition_id": disposition_id,
            "created_at": now,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
        },
    )
    return message_id


@contextmanager
def enqueued_in(session: Session) -> Iterator[list[OutboxMessage]]:
    """The outbox rows added in `session` while inside, in order: what a dry run would send.
    (Only rows added as objects: the follow-ups queue no recipe, `enqueue_recipe`'s rows.)"""
    rows: list[OutboxMessage] = []

    def collect(flushing: Session, _context: object, _instances: object) -> None:
        rows.extend(o for o in flushing.new if isinstance(o, OutboxMessage) and o not in rows)

    event.listen(session, "before_flush", collect)
    try:
        yield rows
        session.flush()
    finally:
        event.remove(session, "before_flush", collect)


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


class SmtpAuthUnavailable(aiosmtplib.SMTPException):
    """Credentials are configured, but the server offers no AUTH (often port 25 instead of the
    submission port): sending unauthenticated would be refused as relaying, or worse, accepted."""


class Sender:
    """Hands outbox rows to the SMTP server with the configured, fail-closed TLS mode, signing in
    with the password or with an OAuth2 token (XOAUTH2) as the config says."""

    def __init__(
        self,
        settings: SmtpSettings,
        oauth: tuple[str, OAuthSettings] | None = None,
        tokens: TokenBroker | None = None,
        say: Callable[[Said], str] = str,
    ) -> None:
        self.settings = settings
        self.oauth = oauth
        self.tokens = tokens or TokenBroker()
        self.say = say
        # The SIZE (RFC 1870) of the last EHLO the server answered, asked (announced_size) or
        # while sending; None until one is: the composer's limit for the scans a request carries.
        self.heard: tuple[int | None] | None = None

    @classmethod
    def of(cls, settings: Settings, tokens: TokenBroker | None = None) -> Sender:
        say = words_for(settings.templates_dir, settings.admin_language)  # errors are the admin's
        return cls(settings.smtp, settings.smtp_oauth(), tokens, say)

    def failure(self, exc: BaseException) -> str:
        """A failed connection or send as the admin reads it: a wrong port or security named
        (misdial), else the server's own words."""
        meant = misdial(exc, "smtp", self.settings.port, self.settings.security)
        return self.say(meant) if meant is not None else smtp_failure(exc)

    @property
    def where(self) -> str:
        return f"smtp {self.settings.host}:{self.settings.port}"

    def _client(self) -> aiosmtplib.SMTP:
        s = self.settings
        context = tls_context(s.tls_verify, self.where, s.tls_ca_file) if s.security != "none" else None
        return aiosmtplib.SMTP(
            hostname=s.host,
            port=s.port,
            use_tls=s.security == "tls",
            start_tls=s.security == "starttls",
            tls_context=context,
            timeout=s.timeout,
        )

    async def send(self, raw: bytes, recipient: str) -> None:
        """The row's bytes as they are (parsing and flattening a request with a 9 MB scan again
        cost five times its size); the envelope sender is `from_address`, else the From."""
        s, where = self.settings, self.where
        smtp = self._client()
        async with smtp:
            if s.username:
                await self._sign_in(smtp, where)
            sender = s.from_address or _from_of(raw)
            # An address beyond ASCII needs SMTPUTF8 (RFC 6531), which send_message asked for by itself.
            options = [] if (sender + recipient).isascii() else ["SMTPUTF8"]
            try:
                await smtp.sendmail(sender, [recipient], raw, mail_options=options)
            finally:  # a refusal too (552: too large) tells the SIZE in force
                self._heard(smtp)

    async def probe(self) -> tuple[str, str | None, int | None]:
        """Connect and sign in without sending (for `doctor`): the AUTH methods the server offered,
        how Mailflow signed in ("password", "xoauth2"; None when it has no username), and the SIZE
        it announced (`announced_size`)."""
        s, where = self.settings, self.where
        smtp = self._client()
        async with smtp:
            await smtp.ehlo()
            size = _size(smtp.esmtp_extensions.get("size"))
            if s.username:
                await self._sign_in(smtp, where)
            offered = " ".join(smtp.server_auth_methods).upper() or "-"
        return offered, ("xoauth2" if self.oauth else "password") if s.username else None, size

    def announced_size(self) -> tuple[bool, int | None]:
        """Whether the server answered now, and the SIZE it announces in its EHLO (RFC 1870), the
        largest message it takes; None when it announces none (or 0, no fixed limit)."""

        async def ask() -> int | None:
            smtp = self._client()
            async with smtp:
                await smtp.ehlo()
                return self._heard(smtp)

        try:
            return True, asyncio.run(ask())
        except (aiosmtplib.SMTPException, OSError, ssl.SSLError) as exc:
            log.warning("event=smtp_size_unknown where=%s error=%s", self.where, self.failure(exc))
            return False, None

    def _heard(self, smtp: aiosmtplib.SMTP) -> int | None:
        """The SIZE of `smtp`'s EHLO, kept as the last heard (when it answered one)."""
        if smtp.last_ehlo_response is None:
            return None
        size = _size(smtp.esmtp_extensions.get("size"))
        self.heard = (size,)
        return size

    async def _sign_in(self, smtp: aiosmtplib.SMTP, where: str) -> None:
        s = self.settings
        if not smtp.supports_extension("auth"):
            await smtp.ehlo()
        if not smtp.supports_extension("auth"):
            raise SmtpAuthUnavailable(
                f"{where} offers no AUTH, but smtp.username is set: use the submission port "
                "(587 with STARTTLS or 465 with TLS), or remove the username for a trusted relay"
            )
        if self.oauth is None:
            await smtp.login(s.username, s.secret())
            return
        if "xoauth2" not in smtp.server_auth_methods:
            offered = " ".join(smtp.server_auth_methods).upper() or "none"
            raise SmtpAuthUnavailable(f"{where} offers AUTH {offered}, not XOAUTH2 (smtp.auth)")
        account, oauth = self.oauth
        await smtp.auth_xoauth2(s.username, self.tokens.access_token(account, oauth))


def _from_of(raw: bytes) -> str:
    head = raw.split(b"\r\n\r\n", 1)[0]
    return parseaddr(str(BytesHeaderParser(policy=compat32).parsebytes(head)["From"] or ""))[1]


def smtp_failure(exc: BaseException) -> str:
    """The server's own words for a failed send ("550 5.1.1 no such user"), for the log and the
    outbox row; aiosmtplib keeps them on the exception. Passwords and tokens are never in them."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        text = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
    elif isinstance(exc, aiosmtplib.SMTPResponseException):
        text = f"{exc.code} {exc.message}"
    else:
        text = str(exc)
    return f"{type(exc).__name__}: {' '.join(text.split())}"[:400]


def _claim(engine: Engine, owner: str, limit: int, lapse: dt.timedelta) -> list[tuple[OutboxMessage, str]]:
    """Rows due now that no live worker holds; several workers never send the same row at once.

    PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED. SQLite has one writer at a time anyway.
    A claim lapses after `lapse`, so the rows of a worker that died are sent by another.
    """
    now = utcnow()
    with transaction(engine) as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                col(OutboxMessage.raw).is_not(None),  # composed (ops/composing.py)
                OutboxMessage.next_attempt_at <= now,
                or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < now),
            )
            .order_by(col(OutboxMessage.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            row.claimed_by, row.claimed_until = owner, now + lapse
            session.add(row)
        # Every log line about a letter names its agenda number.
        ids = {r.letter_id for r in rows if r.letter_id is not None}
        agendas = dict(
            session.exec(select(Letter.id, Letter.agenda_number).where(col(Letter.id).in_(ids))).all()
        )
        return [(row, agendas.get(row.letter_id, "-")) for row in rows]


def _maybe_taken(exc: BaseException) -> bool:
    """A failed try the relay may have taken all the same: a timeout or a lost connection, not an
    answer refusing it nor a connection never made (its 250 may be what was lost)."""
    if isinstance(exc, aiosmtplib.SMTPConnectError | aiosmtplib.SMTPResponseException):
        return False
    return isinstance(exc, TimeoutError | aiosmtplib.SMTPServerDisconnected)


def _record(engine: Engine, row_id: int, error: str | None, maybe_taken: bool = False) -> None:
    """A try's end. One the relay may have taken loses its recipe: its bytes may be what went,
    so they are never composed again (ops.composing.refit)."""
    with transaction(engine) as session:
        row = session.get(OutboxMessage, row_id)
        if row is None or row.status != OutboxStatus.PENDING:
            return
        row.attempts += 1
        row.claimed_by = row.claimed_until = None
        if error is None:
            row.status, row.sent_at, row.last_error = OutboxStatus.SENT, utcnow(), None
            if row.kind in LOGGED_KINDS and row.letter_id is not None:
                log_event(
                    session,
                    letter_id=row.letter_id,
                    action=LOGGED_KINDS[row.kind],
                    targets=[row.recipient],
                    message_id=row.message_id,
                )
        else:
            row.last_error = error[:500]
            row.next_attempt_at = utcnow() + backoff(row.attempts)
            if maybe_taken:
                row.recipe = None
            if row.attempts >= MAX_ATTEMPTS:
                row.status = OutboxStatus.FAILED
        session.add(row)


def _over_cap(engine: Engine, row: OutboxMessage, cap: int, exempt: frozenset[str]) -> bool:
    """True (and the row postponed) when `row` would be the cap+1-th answer to one address in 24 h."""
    if row.kind not in RESPONSE_KINDS or row.recipient.lower() in exempt:
        return False
    since = utcnow() - dt.timedelta(hours=24)
    with transaction(engine) as session:
        recent = session.exec(
            select(OutboxMessage.sent_at)
            .where(
                OutboxMessage.recipient == row.recipient,
                col(OutboxMessage.kind).in_(RESPONSE_KINDS),
                OutboxMessage.status == OutboxStatus.SENT,
                col(OutboxMessage.sent_at) > since,
            )
            .order_by(col(OutboxMessage.sent_at))
        ).all()
        if len(recent) < cap:
            return False
        fresh = fetch(session, OutboxMessage, row.id)
        first = recent[0] or utcnow()
        fresh.next_attempt_at = first + dt.timedelta(hours=24)
        fresh.claimed_by = fresh.claimed_until = None
        fresh.last_error = f"daily cap of {cap} answers to {row.recipient} reached"
        session.add(fresh)
    log.warning("event=cap_reached to=%s cap=%d outbox=%s (postponed)", row.recipient, cap, row.id)
    return True


async def flush_outbox(
    engine: Engine,
    sender: Sender,
    limit: int = 20,
    exempt: frozenset[str] = frozenset(),
    owner: str = "mailflow",
) -> tuple[int, int]:
    """Send what is due, `limit` rows per claim, until nothing is due; returns (sent, failed)."""
    sent = failed = 0
    lapse = dt.timedelta(seconds=sender.settings.claim_seconds)
    while rows := _claim(engine, owner, limit, lapse):
        done = await _send_rows(engine, sender, rows, exempt)
        sent, failed = sent + done[0], failed + done[1]
        if done[0] == 0:
            break  # everything claimed failed or waits: try again next run
    return sent, failed


async def _send_rows(
    engine: Engine, sender: Sender, rows: list[tuple[OutboxMessage, str]], exempt: frozenset[str]
) -> tuple[int, int]:
    sent = failed = 0
    for row, agenda in rows:
        if row.raw is None or _over_cap(engine, row, sender.settings.daily_cap_per_address, exempt):
            continue  # (a row not composed yet is never claimed)
        try:
            await sender.send(row.raw, row.recipient)
        except (TimeoutError, aiosmtplib.SMTPException, OSError, SignInError) as exc:
            failed += 1
            error = sender.failure(exc)
            log.warning(
                "event=send_failed outbox=%s agenda=%s to=%s message_id=%s error=%r",
                row.id,
                agenda,
                row.recipient,
                row.message_id,
                error,
            )
            _record(engine, id_of(row), error, _maybe_taken(exc))
            continue
        sent += 1
        log.info(
            "event=sent outbox=%s kind=%s agenda=%s to=%s message_id=%s",
            row.id,
            row.kind,
            agenda,
            row.recipient,
            row.message_id,
        )
        _record(engine, id_of(row), None)
    return sent, failed


def _size(value: str | None) -> int | None:
    """An EHLO SIZE parameter (RFC 1870) as a limit: None for none, 0 (no fixed limit) or garbage."""
    if not value or not value.strip().isdigit():
        return None
    return int(value) or None
