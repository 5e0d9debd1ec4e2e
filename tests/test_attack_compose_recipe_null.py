"""Attack on the outbox's `recipe` column (migration 0016): every other email's row must hold SQL
NULL there, not the JSON text 'null' (SQLAlchemy's JSON writes Python None as 'null' unless told),
or `recipe IS NOT NULL` in SQL (ops/composing.py) means "every row" and not "a recipe row"."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from mailflow.storage.db import create_schema, make_engine
from mailflow.storage.models import OutboxMessage


def test_a_row_written_with_its_bytes_has_no_recipe_in_sql(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/mailflow.db")
    create_schema(engine)
    with Session(engine) as session:
        session.add(OutboxMessage(message_id="<n@x>", kind="held", recipient="a@x", subject="s", raw=b"x"))
        session.add(OutboxMessage(message_id="<r@x>", kind="receipt", recipient="a@x", subject="", recipe={"o": 1}))
        session.commit()
        with_recipe = select(func.count()).select_from(OutboxMessage).where(col(OutboxMessage.recipe).is_not(None))
        assert session.exec(with_recipe).one() == 1
