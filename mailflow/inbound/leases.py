"""Mailbox leases: each mailbox is polled by exactly one worker at a time, through a row in the
shared database (no other coordinator). A lease is renewed while its worker works and taken
over when it expires, that is when its worker died."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

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
