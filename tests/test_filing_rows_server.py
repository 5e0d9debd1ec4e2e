"""Filing writes a new letter, its first node and their outbox recipes as rows past the ORM (issue
25: no flush per letter): the letter the session keeps is its row, column for column, and
nothing of the filing is left for the commit to write."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col, select

from mailflow.disposition.first_holder import route_letter
from mailflow.registry.filing import file_letter
from mailflow.storage.db import transaction
from mailflow.storage.models import Disposition, Letter, LetterStatus, OutboxMessage
from mailflow.text.letter import read_letter
from mailflow.text.parsing import parse_message
from tests.support.letters import CLERK, gmail_forward, pdf_letter


def test_a_filed_and_routed_letter_is_its_row_and_leaves_the_session_nothing_to_write(office):
    app = office.app
    box = app.settings.mailboxes[0]
    ctx = app.context(box)
    message = parse_message(gmail_forward(pdf=pdf_letter()).as_bytes())
    with transaction(app.engine) as session:
        letter, new = file_letter(session, ctx, box, message, "0" * 64, CLERK, read_letter(message, direct=False))
        root = route_letter(session, ctx, box, letter)
        assert new and letter in session and not session.new and not session.dirty
        columns = sa.inspect(Letter).columns
        row = session.connection().execute(sa.select(*columns).where(columns.id == letter.id)).one()._asdict()
        assert row == {key: getattr(letter, key) for key in row}
        node = session.get(Disposition, root)
        assert node is not None and node.letter_id == letter.id and node.parent_id is None
        assert (letter.status, letter.open_deadline) == (LetterStatus.AWAITING, node.deadline)
        queued = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
        assert [(r.kind, r.recipient, r.letter_id, r.disposition_id) for r in queued] == [
            ("receipt", CLERK, letter.id, None),
            ("request", node.holder, letter.id, node.id),
        ]
        assert all(r.raw is None and r.recipe and r.status == "pending" for r in queued)
