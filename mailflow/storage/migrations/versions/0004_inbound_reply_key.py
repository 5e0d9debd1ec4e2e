"""the ledger remembers each reply's words, sender and disposition, so a replay acts once

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 19:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inboundmessage") as batch:
        batch.add_column(sa.Column("reply_key", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.create_index("ix_inboundmessage_reply_key", ["reply_key"])


def downgrade() -> None:
    with op.batch_alter_table("inboundmessage") as batch:
        batch.drop_index("ix_inboundmessage_reply_key")
        batch.drop_column("reply_key")
