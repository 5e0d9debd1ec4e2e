"""each letter's spans stored on it (hours from receipt to its first disposition and to its
finish, and the week they count in: the dashboard's weeks, read from an index in their order)
and the earliest deadline of its open dispositions (the book's "overdue", one column); all
backfilled from the log and the trees

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# The spans as the code of this revision keeps them (storage/spans.py): the database's own date
# arithmetic, the same numbers the dashboard computed from the log until now.
HOURS = {
    "postgresql": "extract(epoch FROM {later} - letter.received_at) / CAST(3600.0 AS DOUBLE PRECISION)",
    "sqlite": "(julianday({later}) - julianday(letter.received_at)) * 24.0",
}
MONDAY = {
    "postgresql": "CAST(date_trunc('week', timezone('UTC', letter.received_at)) AS DATE)",
    "sqlite": "date(letter.received_at, '-6 days', 'weekday 1')",
}
FIRST = "(SELECT min(e.at) FROM event e WHERE e.letter_id = letter.id AND e.action = 'disposed')"
LAST = (
    "(SELECT max(e.at) FROM event e WHERE e.letter_id = letter.id AND e.action IN ('completed', 'archived'))"
)
OPEN_DEADLINE = (
    "(SELECT min(d.deadline) FROM disposition d WHERE d.letter_id = letter.id"
    " AND d.state IN ('pending', 'acknowledged', 'in_progress'))"
)


def upgrade() -> None:
    with op.batch_alter_table("letter") as batch:
        batch.add_column(sa.Column("received_week", sa.Date(), nullable=True))
        batch.add_column(sa.Column("hours_to_disposition", sa.Float(), nullable=True))
        batch.add_column(sa.Column("hours_to_finish", sa.Float(), nullable=True))
        batch.add_column(sa.Column("open_deadline", sa.Date(), nullable=True))
    dialect = op.get_bind().dialect.name
    hours, monday = HOURS[dialect], MONDAY[dialect]
    op.execute(
        f"UPDATE letter SET hours_to_disposition = {hours.format(later=FIRST)},"
        f" hours_to_finish = {hours.format(later=LAST)}, open_deadline = {OPEN_DEADLINE}"
    )
    op.execute(
        f"UPDATE letter SET received_week = {monday}"
        " WHERE hours_to_disposition IS NOT NULL OR hours_to_finish IS NOT NULL"
    )
    op.create_index(
        "ix_letter_office_week_disposition", "letter", ["office", "received_week", "hours_to_disposition"]
    )
    op.create_index("ix_letter_office_week_finish", "letter", ["office", "received_week", "hours_to_finish"])


def downgrade() -> None:
    op.drop_index("ix_letter_office_week_finish", table_name="letter")
    op.drop_index("ix_letter_office_week_disposition", table_name="letter")
    with op.batch_alter_table("letter") as batch:
        batch.drop_column("open_deadline")
        batch.drop_column("hours_to_finish")
        batch.drop_column("hours_to_disposition")
        batch.drop_column("received_week")
