"""a reading proposed to an official waits for their yes: the proposal table

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 04:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("letter_id", sa.Integer(), nullable=False),
        sa.Column("disposition_id", sa.Integer(), nullable=False),
        sa.Column("position_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("recipient", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("statements", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("settled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("settled_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["disposition_id"], ["disposition.id"]),
        sa.ForeignKeyConstraint(["letter_id"], ["letter.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_proposal_letter_id", "proposal", ["letter_id"])
    op.create_index("ix_proposal_disposition_id", "proposal", ["disposition_id"])
    op.create_index("ix_proposal_message_id", "proposal", ["message_id"], unique=True)
    op.create_index("ix_proposal_state", "proposal", ["state"])


def downgrade() -> None:
    for column in ("state", "message_id", "disposition_id", "letter_id"):
        op.drop_index(f"ix_proposal_{column}", table_name="proposal")
    op.drop_table("proposal")
