"""Attack on composing after the commit as an admin upgrading a live office: rows written by the
release before (bytes, no recipe) are sent as they were after `mailflow db upgrade`, and going
back down while a row is not composed yet is refused whole, never drops it."""

from __future__ import annotations

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from mailflow.cli import cli
from mailflow.ops import service
from mailflow.storage.db import _alembic, _migrating, current_revision, head_revision, make_engine
from mailflow.storage.models import OutboxMessage, OutboxStatus, utcnow
from tests.support.letters import gmail_forward, pdf_letter

OLD = (
    b"From: surat@probolinggokab.example\r\nTo: kadis@probolinggokab.example\r\n"
    b"Subject: Mohon disposisi (lama)\r\nMessage-ID: <old.1@probolinggokab.example>\r\n"
    b"X-Mailflow: 1\r\n\r\nditulis sebelum pemutakhiran\r\n"
)


def test_rows_of_the_release_before_are_sent_byte_exact_after_db_upgrade(office):
    engine = make_engine(office.database_url or f"sqlite:///{office.dir}/mailflow.db")
    office.app  # noqa: B018 - the database made at the head, as a running office has it
    with _migrating(engine) as connection:
        command.downgrade(_alembic(connection), "0015")
    with engine.begin() as connection:  # a request the release before wrote and did not send yet
        connection.execute(  # the columns of schema 0015 only (the table's types for each)
            insert(OutboxMessage.__table__).values(
                message_id="<old.1@probolinggokab.example>",
                kind="request",
                recipient="kadis@probolinggokab.example",
                subject="Mohon disposisi (lama)",
                raw=OLD,
                status=OutboxStatus.PENDING,
                attempts=0,
                next_attempt_at=utcnow(),
                created_at=utcnow(),
            )
        )
    done = CliRunner().invoke(cli, ["--config", str(office.config_path), "db", "upgrade"])
    assert done.exit_code == 0, done.output
    assert current_revision(engine) == head_revision()
    office._app = None
    sent_before = len(office.servers.relay.accepted)
    service.flush(office.app)
    with Session(office.app.engine) as session:
        [row] = session.exec(select(OutboxMessage)).all()
    assert row.status == "sent" and row.raw == OLD and row.recipe is None
    [(_, _, data)] = office.servers.relay.accepted[sent_before:]
    assert data.replace(b"\r\n", b"\n") == OLD.replace(b"\r\n", b"\n")


def test_going_down_with_a_row_not_yet_composed_is_refused_whole(office):
    office.mail.send(gmail_forward(pdf=pdf_letter(number="5/DOWN/2026"), original_subject="Surat 5"))
    service.poll_all(office.app)  # its receipt and request wait as recipes
    engine = office.app.engine
    with pytest.raises(IntegrityError), _migrating(engine) as connection:  # raw NOT NULL again
        command.downgrade(_alembic(connection), "0015")
    assert current_revision(engine) == head_revision()
    with Session(engine) as session:
        waiting = session.exec(select(OutboxMessage)).all()
    assert len(waiting) == 2 and all(r.raw is None and r.recipe for r in waiting)
    service.flush(office.app)  # and the service composes and sends them as if nothing happened
    with Session(engine) as session:
        assert {r.status for r in session.exec(select(OutboxMessage)).all()} == {"sent"}
