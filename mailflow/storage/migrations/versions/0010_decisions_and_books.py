"""each inbound message keeps the check that decided it and its reason; the agenda counter and
the letter name their book (the incoming book `SM` for every row so far), numbered per office,
book and year

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 04:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# SQLite's unique constraint of 0001 has no name: this names it for batch mode to drop it.
_NAMED = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}


def _book(key: bool = False) -> sa.Column:
    return sa.Column(
        "book", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="SM", primary_key=key
    )


def _old_serial_constraint() -> str:
    postgresql = op.get_bind().dialect.name == "postgresql"
    return "letter_office_year_seq_key" if postgresql else "uq_letter_office_year_seq"


def _counter_key(columns: list[str], add: sa.Column | None = None, drop: str | None = None) -> None:
    """The agenda counter's primary key over `columns`: PostgreSQL alters it in place; SQLite's,
    unnamed, goes with a copy of the table."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("agendacounter", recreate="never" if postgresql else "always") as batch:
        if add is not None:
            batch.add_column(add)
        if postgresql:
            batch.drop_constraint("agendacounter_pkey", type_="primary")
        batch.create_primary_key("agendacounter_pkey", columns)
        if drop is not None:
            batch.drop_column(drop)


def upgrade() -> None:
    with op.batch_alter_table("inboundmessage") as batch:
        batch.add_column(sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.add_column(sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    _counter_key(["office", "year", "book"], add=_book(key=True))
    with op.batch_alter_table("letter", naming_convention=_NAMED) as batch:
        batch.add_column(_book())
        batch.drop_constraint(_old_serial_constraint(), type_="unique")
        batch.create_unique_constraint("uq_letter_office_book_year_seq", ["office", "book", "year", "seq"])


def downgrade() -> None:
    with op.batch_alter_table("letter", naming_convention=_NAMED) as batch:
        batch.drop_constraint("uq_letter_office_book_year_seq", type_="unique")
        batch.create_unique_constraint(_old_serial_constraint(), ["office", "year", "seq"])
        batch.drop_column("book")
    _counter_key(["office", "year"], drop="book")
    with op.batch_alter_table("inboundmessage") as batch:
        batch.drop_column("reason")
        batch.drop_column("decided_by")
