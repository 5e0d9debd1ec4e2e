"""a regency in one database: each office's agenda book unique within the office, letters passed
between offices linked to their origin, quarantine items owned by an office

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 01:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("letter") as batch:
        batch.drop_index("ix_letter_agenda_number")
        batch.drop_index("ix_letter_fingerprint")
        batch.create_index("ix_letter_agenda_number", ["agenda_number"], unique=False)
        batch.create_index("ix_letter_fingerprint", ["fingerprint"], unique=False)
        batch.create_unique_constraint("uq_letter_office_agenda", ["office", "agenda_number"])
        batch.create_unique_constraint("uq_letter_office_fingerprint", ["office", "fingerprint"])
        batch.add_column(sa.Column("origin_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("origin_node_id", sa.Integer(), nullable=True))
        batch.create_index("ix_letter_origin_id", ["origin_id"])
        batch.create_foreign_key("fk_letter_origin_id", "letter", ["origin_id"], ["id"])
        batch.create_foreign_key("fk_letter_origin_node_id", "disposition", ["origin_node_id"], ["id"])
    with op.batch_alter_table("quarantineitem") as batch:
        batch.add_column(sa.Column("office", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.create_index("ix_quarantineitem_office", ["office"])


def downgrade() -> None:
    with op.batch_alter_table("quarantineitem") as batch:
        batch.drop_index("ix_quarantineitem_office")
        batch.drop_column("office")
    with op.batch_alter_table("letter") as batch:
        batch.drop_constraint("fk_letter_origin_node_id", type_="foreignkey")
        batch.drop_constraint("fk_letter_origin_id", type_="foreignkey")
        batch.drop_index("ix_letter_origin_id")
        batch.drop_column("origin_node_id")
        batch.drop_column("origin_id")
        batch.drop_constraint("uq_letter_office_fingerprint", type_="unique")
        batch.drop_constraint("uq_letter_office_agenda", type_="unique")
        batch.drop_index("ix_letter_fingerprint")
        batch.drop_index("ix_letter_agenda_number")
        batch.create_index("ix_letter_fingerprint", ["fingerprint"], unique=True)
        batch.create_index("ix_letter_agenda_number", ["agenda_number"], unique=True)
