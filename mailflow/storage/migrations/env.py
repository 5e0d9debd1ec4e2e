"""Alembic environment: run by `mailflow db upgrade` (mailflow.db.upgrade), never by hand."""

from alembic import context
from sqlmodel import SQLModel

from mailflow.storage import models  # noqa: F401  (registers the tables)

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
