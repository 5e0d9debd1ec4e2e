"""receipts and requests composed after the filing commit: an outbox row holds the recipe that
composes it (`recipe`), and its bytes (`raw`) are NULL until the sender composes them

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 09:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outboxmessage") as batch:
        batch.alter_column("raw", existing_type=sa.LargeBinary(), nullable=True)
        batch.add_column(sa.Column("recipe", sa.JSON(), nullable=True))


def downgrade() -> None:
    # A row not yet composed cannot go back to a schema where every row has its bytes: let the
    # service send (and so compose) it first; one left over fails the downgrade, never dropped.
    with op.batch_alter_table("outboxmessage") as batch:
        batch.drop_column("recipe")
        batch.alter_column("raw", existing_type=sa.LargeBinary(), nullable=False)
