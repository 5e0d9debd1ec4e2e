"""A poll that stops takes back the tries of the group it read ahead, one each: a worker that
took the mailbox over meanwhile (this one's lease lapsed) keeps the tries it counted itself, so a
message that kills workers still reaches poison (attack3)."""

from __future__ import annotations

from sqlalchemy import insert
from sqlmodel import Session, select

from mailflow.inbound.loop import _Batch, _Filing, _Taken
from mailflow.net.imap import FetchedMessage
from mailflow.raw import RawMessage
from mailflow.storage.models import InboundAttempt, utcnow


def test_a_stopped_poll_takes_back_its_own_try_and_no_other_workers(office) -> None:
    app = office.app
    box = app.settings.mailboxes[0]
    with app.engine.begin() as connection:  # 7: this worker's try alone; 8: another's since
        connection.execute(
            insert(InboundAttempt),
            [
                {"mailbox": box.name, "uidvalidity": 1, "uid": 7, "attempts": 1, "last_at": utcnow()},
                {"mailbox": box.name, "uidvalidity": 1, "uid": 8, "attempts": 2, "last_at": utcnow()},
            ],
        )
    with _Filing(app, box, 1, None) as filing:
        taken = [_Taken(FetchedMessage(uid, RawMessage.of(b"x")), "", 1) for uid in (7, 8)]
        filing.ahead = _Batch(taken, [])
        filing.release()
    with Session(app.engine) as session:
        left = {row.uid: row.attempts for row in session.exec(select(InboundAttempt))}
    assert left == {8: 1}
