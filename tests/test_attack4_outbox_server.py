"""Attack (issue 25 change, outbox): a request composed larger than the relay's SIZE is composed
again (ops.composing.refit), on the ground that it was never sent, so its bytes may be replaced.
A try the relay may have taken, its answer lost (a timeout after the final dot), takes the row's
recipe (outbound.outbox._record): its bytes stay what went. Left: a worker killed between the
relay's 250 and the commit of its try leaves the row with its recipe (the try was never
recorded); a SIZE lowered below what that relay took would then recompose it."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from mailflow.ops import service
from mailflow.storage.models import OutboxMessage
from tests.support.dovecot import free_port
from tests.support.letters import gmail_forward, photographed_pdf
from tests.support.relay import Delivery, start_relay

pytestmark = pytest.mark.server

TIMEOUT = 2  # [smtp] timeout: the relay below answers the final dot after it


class TakesThenStalls(Delivery):
    """A relay that delivers the message and then answers too late (its store is slow): the
    sender times out, though the mail went."""

    async def handle_DATA(self, server, session, envelope) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        await asyncio.sleep(TIMEOUT * 2)
        return answer


def _request(office) -> OutboxMessage:
    with Session(office.app.engine) as session:
        return session.exec(select(OutboxMessage).where(OutboxMessage.kind == "request")).one()


def _due(office) -> None:
    with office.app.engine.begin() as connection:
        connection.execute(
            update(OutboxMessage).values(next_attempt_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        )


# Found by the attack on the first version, closed since: refit replaces the bytes of a row a
# relay took (its 250 lost to a timeout, or to a worker killed before the row's commit) once a
# smaller SIZE is heard (the relay's limit lowered, a fail-over relay): refit checks status,
# recipe, size and claim, not the row's tries, so the head gets a second, different request under
# the same Message-ID and the outbox no longer holds what went
def test_a_request_a_relay_took_is_never_composed_again(office):
    from aiosmtpd.controller import Controller

    port = free_port()
    office.smtp_extra = f"timeout = {TIMEOUT}"
    office.reconfigure(extra="max_message_bytes = 5000000")
    text = office.config_path.read_text()
    office.config_path.write_text(
        text.replace(f"port = {office.servers.submission_port}", f"port = {port}", 1)
    )
    office._app = None
    office.mail.send(gmail_forward(pdf=photographed_pdf(), original_subject="Dokumentasi Kegiatan"))
    assert office.poll().outcomes == {"letter": 1}  # the relay is down: the request holds the whole scan
    composed = _request(office).raw
    stalling = Controller(TakesThenStalls(office.servers.imap), hostname="127.0.0.1", port=port)
    stalling.start()
    try:
        _due(office)
        service.flush(office.app)  # delivered, but its 250 came too late
    finally:
        stalling.stop()
    went = _request(office)
    # (its first try was at the poll, the relay down)
    assert went.status == "pending" and "Timeout" in (went.last_error or ""), (went.status, went.last_error)
    controller, _relay = start_relay(office.servers.imap, port, size=700_000)  # the limit lowered
    try:
        for _ in range(3):
            _due(office)
            service.flush(office.app)
    finally:
        controller.stop()
    after = _request(office)
    print(after.status, after.attempts, after.last_error, len(after.raw or b""), len(composed or b""))
    assert after.raw == composed, "the bytes of a request the relay took were replaced"
