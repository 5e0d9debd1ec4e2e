"""the web pages' sessions, kept on the server so that sign-out, expiry, the idle timeout and
leaving the organisation chart end them on every instance; the log's facts, worded at display
time in the reader's language (NULL in the rows of before, whose text holds the old words); an
office's letters by security, for the dashboard's confidential letters

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 06:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "websession",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_websession_address", "websession", ["address"])
    op.create_index("ix_websession_expires_at", "websession", ["expires_at"])
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("facts", sa.JSON(), nullable=True))
    op.create_index("ix_letter_office_security", "letter", ["office", "security"])


def downgrade() -> None:
    op.drop_index("ix_letter_office_security", table_name="letter")
    with op.batch_alter_table("event") as batch:
        batch.drop_column("facts")
    op.drop_index("ix_websession_expires_at", table_name="websession")
    op.drop_index("ix_websession_address", table_name="websession")
    op.drop_table("websession")
