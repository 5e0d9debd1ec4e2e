"""outbox rows keyed by follow-up (reminder, escalation, digest) so a restart never sends one twice

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 00:10:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outboxmessage") as batch:
        batch.add_column(sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.create_unique_constraint("uq_outboxmessage_dedupe_key", ["dedupe_key"])


def downgrade() -> None:
    with op.batch_alter_table("outboxmessage") as batch:
        batch.drop_constraint("uq_outboxmessage_dedupe_key", type_="unique")
        batch.drop_column("dedupe_key")
