"""The pipeline's tables as data, and the status enums as the database keeps them."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session, select

from mailflow.inbound.pipeline import ACTIONS
from mailflow.inbound.triage import Action
from mailflow.storage.db import create_schema, make_engine, transaction
from mailflow.storage.models import HeldStatus, QuarantineItem


def test_every_verdict_has_an_action():
    assert set(ACTIONS) == set(Action)


def test_a_status_is_stored_as_its_plain_string_and_read_back_as_the_enum(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/a.db")
    create_schema(engine)
    with transaction(engine) as session:
        item = QuarantineItem(
            mailbox="surat", reason="empty", detail="", from_address="", subject="", message_id="", raw_sha256=""
        )
        session.add(item)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT status FROM quarantineitem")).scalar_one() == "held"
        connection.execute(text("UPDATE quarantineitem SET status = 'released'"))
        connection.commit()
    with Session(engine) as session:
        [stored] = session.exec(select(QuarantineItem)).all()
        assert stored.status is HeldStatus.RELEASED
