"""Mailbox leases: each mailbox is polled by exactly one worker at a time, through a row in the
shared database (no other coordinator). A lease is renewed while its worker works and taken
over when it expires, that is when its worker died."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from mailflow.storage.db import transaction
from mailflow.storage.models import MailboxLease, utcnow


def acquire(engine: Engine, mailbox: str, owner: str, seconds: float) -> dt.datetime | None:
    """Take or renew the lease; returns its new expiry, or None while another worker holds it."""
    now = utcnow()
    until = now + dt.timedelta(seconds=seconds)
    try:
        with transaction(engine) as session:
            lease = session.exec(
                select(MailboxLease).where(MailboxLease.mailbox == mailbox).with_for_update()
            ).first()
            if lease is None:
                session.add(MailboxLease(mailbox=mailbox, owner=owner, expires_at=until))
            elif lease.owner == owner or lease.expires_at < now:
                lease.owner, lease.expires_at = owner, until
                session.add(lease)
            else:
                return None
    except IntegrityError:  # another worker inserted the first lease at the same moment
        return None
    return until


def release(engine: Engine, mailbox: str, owner: str) -> None:
    with transaction(engine) as session:
        lease = session.get(MailboxLease, mailbox)
        if lease is not None and lease.owner == owner:
            session.delete(lease)


# Held leases (`mailflow run`): a worker keeps its share of the mailboxes for as long as it lives,
# renewing them all in one statement, and watches only those. Without this every worker watched
# every mailbox (workers x mailboxes IDLE sessions) and asked for a lease at every poll of each.
# The free mailboxes are claimed a share at a time; a dead worker's expire and are claimed by the
# living at their next round, a worker above its share lets the excess go.

FREE = ""  # the owner of a lease row nobody holds
NEVER = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # the expiry of a lease row nobody held yet


def share(mailboxes: int, workers: int) -> int:
    """How many mailboxes one of `workers` live workers should hold: the ceiling, so the shares
    of the living always cover every mailbox."""
    return -(-mailboxes // max(workers, 1))


def renew(engine: Engine, owner: str, held: set[str], seconds: float) -> set[str]:
    """Extend this worker's leases on `held` in one statement; returns those still its own (a
    lease lost while this worker stalled past it is not among them). Rows of this owner outside
    `held` (a poll's lease left behind) are let go."""
    until = utcnow() + dt.timedelta(seconds=seconds)
    with transaction(engine) as session:
        mine = col(MailboxLease.owner) == owner
        if held:
            session.execute(
                update(MailboxLease).where(mine, col(MailboxLease.mailbox).in_(held)).values(expires_at=until)
            )
        session.execute(delete(MailboxLease).where(mine, col(MailboxLease.mailbox).not_in(held)))
        return set(session.exec(select(MailboxLease.mailbox).where(mine)).all())


def claim(engine: Engine, owner: str, mailboxes: list[str], want: int, seconds: float) -> set[str]:
    """Take up to `want` of `mailboxes` that nobody holds (never leased, let go, or expired: their
    worker died), in one transaction; returns those taken. Rows locked by another worker's claim
    are skipped (SKIP LOCKED), so workers claiming at the same moment take different mailboxes."""
    if want <= 0 or not mailboxes:
        return set()
    now = utcnow()
    with transaction(engine) as session:
        names = select(MailboxLease.mailbox).where(col(MailboxLease.mailbox).in_(mailboxes))
        known = set(session.exec(names))
        if missing := [m for m in mailboxes if m not in known]:
            rows = [{"mailbox": m, "owner": FREE, "expires_at": NEVER} for m in missing]
            session.execute(_insert(engine)(MailboxLease).values(rows).on_conflict_do_nothing())
    with transaction(engine) as session:
        free = session.exec(
            select(MailboxLease.mailbox)
            .where(col(MailboxLease.mailbox).in_(mailboxes), col(MailboxLease.expires_at) < now)
            .order_by(MailboxLease.mailbox)
            .limit(want)
            .with_for_update(skip_locked=True)
        ).all()
        if not free:
            return set()
        session.execute(
            update(MailboxLease)
            .where(col(MailboxLease.mailbox).in_(free), col(MailboxLease.expires_at) < now)
            .values(owner=owner, expires_at=now + dt.timedelta(seconds=seconds))
        )
        return set(free)


def let_go(engine: Engine, owner: str, mailboxes: set[str]) -> None:
    """Give up these leases at once (above this worker's share, or stopping): free for the next claim."""
    if mailboxes:
        with transaction(engine) as session:
            session.execute(
                update(MailboxLease)
                .where(col(MailboxLease.owner) == owner, col(MailboxLease.mailbox).in_(mailboxes))
                .values(owner=FREE, expires_at=NEVER)
            )


def _insert(engine: Engine):
    return sqlite_insert if engine.dialect.name == "sqlite" else postgresql_insert
