"""Receipts and requests composed after the commit that wrote them (outbound/recipe.py).

The sender's step before each flush of the outbox (and the next run's, after a crash between a
commit and its composing): the rows with a recipe and no bytes yet, a batch per transaction,
claimed so that two workers never compose the same row (FOR UPDATE SKIP LOCKED on PostgreSQL;
SQLite has one writer). The bytes are written only where there are none yet, so composing can
never replace the bytes of an email once written: a retry sends those, as for every other row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from email.message import Message

from sqlalchemy import bindparam, func, or_, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, SQLModel, col, select

from mailflow.app import App
from mailflow.context import Context
from mailflow.disposition.request import request_mail
from mailflow.errors import ConfigError
from mailflow.outbound.compose import message_bytes
from mailflow.outbound.outbox import MAX_ATTEMPTS, backoff
from mailflow.outbound.recipe import Recipe
from mailflow.registry.filing import receipt_mail
from mailflow.storage.db import transaction
from mailflow.storage.models import Disposition, Letter, OutboxMessage, OutboxStatus, utcnow

log = logging.getLogger(__name__)

# The outbox kinds written as recipes, and what composes each.
COMPOSERS: dict[str, Callable[[Session, Context, OutboxMessage], Message]] = {
    "receipt": receipt_mail,
    "request": request_mail,
}
BATCH = 20
# Composed bytes held before they are written: a batch of small receipts goes in one statement,
# while requests carrying large scans are written as they come (20 of 10 MB would be 280 MB held).
HELD_BYTES = 4 << 20


Composers = Mapping[str, Callable[[Session, Context, OutboxMessage], Message]]


def compose_waiting(app: App, limit: int = BATCH, composers: Composers = COMPOSERS) -> int:
    """Compose every pending row that has a recipe and no bytes, and is due; how many were taken."""
    size = app.relay_size()  # asked before the transactions: a request carries no more than it takes
    if size is not None:
        refit(app, size)
    composed = 0
    while rows := compose_batch(app, limit, composers):
        composed += rows
        if rows < limit:
            break
    return composed


def refit(app: App, size: int) -> int:
    """Rows composed larger than the relay's SIZE are composed again; how many.

    A request composed while the relay was down (its SIZE unknown) carries the whole scan, and
    the relay, back, refuses it (552) at every try: the head would never hear of the letter.
    Such a row was never sent: every try was refused or never reached the relay (a try the
    relay may have taken, its answer lost, took the row's recipe: outbound.outbox._record). So
    its bytes may be replaced: its recipe composes the same email, Message-ID and all, with no
    more scan than the relay takes. A row being sent (claimed) is left to its sender."""
    now = utcnow()
    larger = update(OutboxMessage).where(
        col(OutboxMessage.status) == OutboxStatus.PENDING,
        col(OutboxMessage.recipe).is_not(None),
        func.length(OutboxMessage.raw) > size,
        or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < now),
    )
    with transaction(app.engine) as session:
        returned = larger.values(raw=None).returning(col(OutboxMessage.id), col(OutboxMessage.kind))
        found = session.connection().execute(returned).all()
    for ident, kind in found:
        log.info("event=recompose outbox=%s kind=%s relay_size=%d (composed larger)", ident, kind, size)
    return len(found)


def compose_batch(app: App, limit: int, composers: Composers = COMPOSERS) -> int:
    """Up to `limit` waiting rows in one transaction; how many it took (composed, or put off
    when they could not be)."""
    with transaction(app.engine) as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                col(OutboxMessage.raw).is_(None),
                col(OutboxMessage.recipe).is_not(None),
                OutboxMessage.next_attempt_at <= utcnow(),
            )
            .order_by(col(OutboxMessage.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        # The batch's letters and dispositions in one query each, held while it composes: composing
        # finds them in the session (which holds its rows weakly).
        nodes = {r.disposition_id for r in rows}
        letters = session.exec(select(Letter).where(col(Letter.id).in_({r.letter_id for r in rows}))).all()
        held = [*letters, *session.exec(select(Disposition).where(col(Disposition.id).in_(nodes))).all()]
        contexts: dict[str, Context] = {}
        written: list[dict[str, object]] = []
        held_bytes = 0
        for row in rows:
            # A scan gone from the archive, an office the rules no longer have, the web key's
            # file unreadable (a request's signed link), a recipe this version cannot read: that
            # row waits and fails alone, the others are composed.
            try:
                office = Recipe.from_json(row.recipe or {}).office
                ctx = contexts.get(office) or contexts.setdefault(office, app.context(office))
                mail = composers[row.kind](session, ctx, row)
            except (LookupError, OSError, ValueError, TypeError, ConfigError) as exc:
                _failed(row, exc)
                continue
            except SQLAlchemyError:
                raise  # the database, not the row: the whole batch waits for the next flush
            except Exception as exc:  # the per-row boundary: a bug in one email must not stop the outbox
                log.exception("event=compose_bug outbox=%s kind=%s", row.id, row.kind)
                _failed(row, exc)
                continue
            raw, subject = message_bytes(mail), str(mail["Subject"])
            del mail  # its scan, before the next row's is read
            written.append({"row": row.id, "raw": raw, "subject": subject})
            held_bytes += len(raw)
            if held_bytes >= HELD_BYTES:
                _write(session, written)
                written, held_bytes = [], 0
        _write(session, written)
        del held
        return len(rows)


def _write(session: Session, written: list[dict[str, object]]) -> None:
    """Composed rows' bytes and subjects in one statement; never over bytes already written."""
    if written:
        table = SQLModel.metadata.tables["outboxmessage"]
        session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("row"), table.c.raw.is_(None))
            .values(raw=bindparam("raw"), subject=bindparam("subject")),
            written,
        )


def _failed(row: OutboxMessage, exc: BaseException) -> None:
    """A row that cannot be composed waits like one that cannot be sent, and fails in the end
    for the admin (`health`), without holding up the rows behind it. One the office's own
    configuration stops (the web key's file unreadable) never fails: it waits for the admin's
    fix, as the filing of its letter did when it composed the request inside the transaction."""
    row.attempts += 1
    row.last_error = f"compose: {type(exc).__name__}: {exc}"[:500]
    row.next_attempt_at = utcnow() + backoff(row.attempts)
    if row.attempts >= MAX_ATTEMPTS and not isinstance(exc, ConfigError):
        row.status = OutboxStatus.FAILED
    log.error("event=compose_failed outbox=%s kind=%s error=%r", row.id, row.kind, row.last_error)
