"""scans are read after the filing commit: the job table, the OCR text and field confidences

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 22:40:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("letter") as batch:
        batch.add_column(sa.Column("ocr_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("confidence", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("fields_pending", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("fields_early", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_index("ix_letter_fields_pending", ["fields_pending"])
    with op.batch_alter_table("letterfile") as batch:
        batch.add_column(sa.Column("merged", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "scanjob",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("letter_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("claimed_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("done_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["letter_id"], ["letter.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("letter_id"),
    )
    op.create_index("ix_scanjob_status", "scanjob", ["status"])


def downgrade() -> None:
    op.drop_index("ix_scanjob_status", "scanjob")
    op.drop_table("scanjob")
    with op.batch_alter_table("letterfile") as batch:
        batch.drop_column("merged")
    with op.batch_alter_table("letter") as batch:
        batch.drop_index("ix_letter_fields_pending")
        for column in ("fields_early", "fields_pending", "confidence", "ocr_text"):
            batch.drop_column(column)
