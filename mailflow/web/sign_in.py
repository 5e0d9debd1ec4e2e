"""Sign-in links: asked for on the sign-in page (rate-limited per address and per client, the same
answer whether or not the address is known), spent once when followed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from mailflow.app import App
from mailflow.config import WebSettings
from mailflow.outbound import outbox
from mailflow.storage.db import transaction
from mailflow.storage.models import WebLink, utcnow
from mailflow.text.links import LETTER, SIGN_IN, Link, LinkError, link_url, make_link, read_link
from mailflow.web.reader import Reader

WINDOW = dt.timedelta(hours=1)


def _asked(session: Session, where: ColumnElement[bool], since: dt.datetime) -> int:
    query = select(func.count()).select_from(WebLink).where(where, WebLink.created_at >= since)
    return int(session.exec(query).one())


def ask_sign_in(app: App, web: WebSettings, address: str, client: str, reader: Reader | None) -> bool:
    """Email `reader` a one-time sign-in link; False when the address or the client asked too
    often this hour. An unknown address is counted as well, and sent nothing."""
    address = address.strip().lower()[:320]
    since = utcnow() - WINDOW
    with transaction(app.engine) as session:
        by_address = _asked(session, and_(col(WebLink.address) == address, col(WebLink.client) != ""), since)
        if by_address >= web.sign_in_per_address or _asked(session, col(WebLink.client) == client, since) >= (
            web.sign_in_per_client
        ):
            return False
        token, nonce = make_link(web.secret(), SIGN_IN, address)
        session.add(WebLink(nonce=nonce, address=address, client=client))
        if reader is None:
            return True
        ctx = app.context(reader.office)
        boxes = [box for box in app.settings.mailboxes if app.office_of(box) == reader.office]
        mail = ctx.mailer(boxes[0] if boxes else None).notice(
            reader.address,
            "web_sign_in",
            person=reader.name,
            link=link_url(web.public_url, SIGN_IN, token),
            minutes=web.sign_in_minutes,
        )
        outbox.enqueue(session, mail, "web_sign_in")
    return True


def follow(app: App, web: WebSettings, kind: str, token: str) -> Link:
    """The link, its nonce spent now (LinkError when forged, expired, or followed before)."""
    minutes = web.sign_in_minutes if kind == SIGN_IN else web.link_minutes
    link = read_link(web.secret(), kind, token, minutes * 60)
    now = utcnow()
    try:
        with transaction(app.engine) as session:
            if kind == LETTER:  # an email's link: its first use writes its row
                session.add(WebLink(nonce=link.nonce, address=link.address, used_at=now))
                return link
            spent = session.execute(
                update(WebLink)
                .where(
                    col(WebLink.nonce) == link.nonce,
                    col(WebLink.address) == link.address,
                    col(WebLink.used_at).is_(None),
                )
                .values(used_at=now)
            )
            if spent.rowcount != 1:  # type: ignore[attr-defined]
                raise LinkError("used")
    except IntegrityError as exc:
        raise LinkError("used") from exc
    return link
