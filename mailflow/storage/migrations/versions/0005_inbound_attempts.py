"""messages being read are counted, so one that kills its worker twice is held, not retried forever

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 19:10:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inboundattempt",
        sa.Column("mailbox", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("uidvalidity", sa.Integer(), nullable=False),
        sa.Column("uid", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("mailbox", "uidvalidity", "uid"),
    )


def downgrade() -> None:
    op.drop_table("inboundattempt")
