"""Attack (issue 25 change): a disposition request carries no more scan than the relay's SIZE
takes (Settings.attach_limit). The SIZE is known only once the relay answered an EHLO; a request
composed before that carries the whole scan, and a relay that then refuses it (552) would refuse
it at every try: the head would never hear of the letter. Such a row is composed again once the
SIZE is heard (ops.composing.refit): it was never sent, so its bytes may be replaced."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes

from sqlalchemy import update
from sqlmodel import Session, select

from mailflow.ops import service
from mailflow.ops.composing import refit
from mailflow.outbound.outbox import _size
from mailflow.storage.models import OutboxMessage, OutboxStatus
from tests.support.dovecot import free_port
from tests.support.inbox import Inbox
from tests.support.letters import CLERK, gmail_forward, photographed_pdf
from tests.support.mail import text_of
from tests.support.relay import start_relay

KADIS = f"kadis@{CLERK.partition('@')[2]}"


def _rows(office) -> list[OutboxMessage]:
    with Session(office.app.engine) as session:
        return list(session.exec(select(OutboxMessage)).all())


def _through(office, port: int) -> None:
    office.reconfigure(extra="max_message_bytes = 5000000")
    text = office.config_path.read_text()
    office.config_path.write_text(
        text.replace(f"port = {office.servers.submission_port}", f"port = {port}", 1)
    )
    office._app = None


def test_a_request_composed_while_the_relay_is_down_still_fits_it_when_it_is_back(office):
    port = free_port()
    _through(office, port)  # nothing listens there yet: an outage of the relay
    office.mail.send(gmail_forward(pdf=photographed_pdf(), original_subject="Dokumentasi Kegiatan"))
    assert office.poll().outcomes == {"letter": 1}
    assert {r.status for r in _rows(office)} == {"pending"}
    controller, _relay = start_relay(office.servers.imap, port, size=700_000)
    try:
        for _ in range(3):
            with office.app.engine.begin() as connection:  # every retry due now
                connection.execute(
                    update(OutboxMessage).values(next_attempt_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
                )
            service.flush(office.app)
        rows = _rows(office)
        assert {(r.kind, r.status) for r in rows} == {("receipt", "sent"), ("request", "sent")}, [
            (r.kind, r.status, r.last_error) for r in rows
        ]
        [request] = [r for r in rows if r.kind == "request"]
        assert len(request.raw or b"") < 700_000
        sent = message_from_bytes(request.raw or b"")
        assert sent["Message-ID"].strip() == request.message_id  # the same email, composed again
    finally:
        controller.stop()


def test_only_a_never_sent_recipe_larger_than_the_size_and_not_being_sent_is_composed_again(office):
    """refit replaces nothing that went, nothing composed from bytes (no recipe to compose it
    from again), nothing that fits, and nothing a sender holds right now."""
    office.mail.send(gmail_forward(pdf=photographed_pdf(), original_subject="Dokumentasi Kegiatan"))
    assert office.poll().outcomes == {"letter": 1}
    assert {r.status for r in _rows(office)} == {OutboxStatus.SENT}
    big = b"x" * 2_000
    future = dt.datetime(2999, 1, 1, tzinfo=dt.UTC)
    with Session(office.app.engine) as session:
        [receipt] = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "receipt")).all()
        made = {
            "too large": OutboxMessage(message_id="<a@x>", kind="request", recipient=KADIS, subject="s",
                                       raw=big, recipe=receipt.recipe),
            "fits": OutboxMessage(message_id="<b@x>", kind="request", recipient=KADIS, subject="s",
                                  raw=b"x" * 500, recipe=receipt.recipe),
            "no recipe": OutboxMessage(message_id="<c@x>", kind="status", recipient=KADIS, subject="s", raw=big),
            "sent": OutboxMessage(message_id="<d@x>", kind="request", recipient=KADIS, subject="s", raw=big,
                                  recipe=receipt.recipe, status=OutboxStatus.SENT),
            "being sent": OutboxMessage(message_id="<e@x>", kind="request", recipient=KADIS, subject="s",
                                        raw=big, recipe=receipt.recipe, claimed_until=future),
        }  # fmt: skip
        session.add_all(made.values())
        session.commit()
        ids = {name: row.id for name, row in made.items()}
        originals = {ident: session.get(OutboxMessage, ident).raw for ident in ids.values()}
    assert refit(office.app, 1_000) == 1  # (the letter's own receipt and request were sent by the poll)
    with Session(office.app.engine) as session:
        now = {ident: session.get(OutboxMessage, ident).raw for ident in ids.values()}
    assert now[ids["too large"]] is None
    assert all(now[ids[name]] == originals[ids[name]] for name in ("fits", "no recipe", "sent", "being sent"))


def test_a_relay_with_a_size_below_the_headroom_gets_the_request_without_the_scan(office):
    """SIZE 300,000: less than REQUEST_HEADROOM leaves for scans (attach_limit 0); the request
    goes, small, saying the scan is too large."""
    port = free_port()
    controller, _relay = start_relay(office.servers.imap, port, size=300_000)
    try:
        _through(office, port)
        office.mail.send(gmail_forward(pdf=photographed_pdf(), original_subject="Dokumentasi Kegiatan"))
        assert office.poll().outcomes == {"letter": 1}
        rows = _rows(office)
        assert {(r.kind, r.status) for r in rows} == {("receipt", "sent"), ("request", "sent")}, [
            (r.kind, r.status, r.last_error) for r in rows
        ]
        request = Inbox(office).next(KADIS, "Mohon disposisi")
        assert not [p for p in request.walk() if p.get_filename()]
        assert "Pindaian terlalu besar untuk dilampirkan" in text_of(request)
    finally:
        controller.stop()


def test_size_zero_is_no_limit(office):
    """RFC 1870: SIZE 0 announces no fixed limit; the scan still goes."""
    assert _size("0") is None and _size(" 0 ") is None and _size("x") is None
    settings = office.app.settings
    assert settings.attach_limit(None) == settings.attach_max_bytes
    assert settings.attach_limit(0) == settings.attach_max_bytes
    assert settings.attach_limit(1) == 0
