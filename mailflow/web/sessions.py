"""Sessions kept on the server. The signed cookie carries only a random token; its hash names a
row that sign-out revokes, and that expiry, the idle timeout and leaving the organisation chart
end. Every instance on one database shares the rows, so a copy of the cookie dies everywhere."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable

from sqlalchemy import Engine, delete, update
from sqlmodel import Session, col, select

from mailflow.storage.db import transaction
from mailflow.storage.models import WebSession, utcnow

TOUCH = dt.timedelta(minutes=1)  # last_seen_at is written at most this often: not a write a page
KEPT = dt.timedelta(days=7)  # ended rows stay this long after their expiry (who was signed in when)


def _key(token: str) -> str:
    """The row's id: a leaked table (a backup) signs nobody in."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(engine: Engine, address: str, lifetime: dt.timedelta) -> str:
    """A new session for `address`; returns the token the cookie carries. Rows long ended go."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with transaction(engine) as session:
        session.execute(delete(WebSession).where(col(WebSession.expires_at) < now - KEPT))
        session.add(WebSession(id=_key(token), address=address, created_at=now, last_seen_at=now,
                               expires_at=now + lifetime))  # fmt: skip
    return token


def session_address(engine: Engine, token: str, idle: dt.timedelta) -> str | None:
    """The address signed in by `token`, or None when the session is unknown, revoked, expired,
    or idle longer than `idle`; a live one is marked seen now."""
    now = utcnow()
    key = _key(token)
    with Session(engine) as session:
        row = session.get(WebSession, key)
        if row is None or row.revoked_at is not None:
            return None
        if row.expires_at <= now or row.last_seen_at + idle <= now:
            return None
        address, seen = row.address, row.last_seen_at
    if now - seen >= min(TOUCH, idle / 2):  # a short idle timeout is not outrun by the touch
        with transaction(engine) as session:
            session.execute(
                update(WebSession)
                .where(col(WebSession.id) == key, col(WebSession.revoked_at).is_(None))
                .values(last_seen_at=now)
            )
    return address


def revoke(engine: Engine, token: str) -> None:
    """Sign-out: the session ends on every instance."""
    with transaction(engine) as session:
        session.execute(
            update(WebSession)
            .where(col(WebSession.id) == _key(token), col(WebSession.revoked_at).is_(None))
            .values(revoked_at=utcnow())
        )


def revoke_unknown(engine: Engine, known: Callable[[str], bool]) -> int:
    """End every live session of an address `known` no longer accepts (one who left the
    organisation chart); returns how many. Run when the rules change: live sessions are a few
    per official, so this reads a bounded set."""
    now = utcnow()
    with transaction(engine) as session:
        live = session.exec(
            select(WebSession.id, WebSession.address).where(
                col(WebSession.revoked_at).is_(None), col(WebSession.expires_at) > now
            )
        ).all()
        gone = [key for key, address in live if not known(address)]
        if gone:
            session.execute(update(WebSession).where(col(WebSession.id).in_(gone)).values(revoked_at=now))
    return len(gone)
