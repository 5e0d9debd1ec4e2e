"""a mailbox whose OAuth2 sign-in was refused is told to the admin at once, not after the wait

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 20:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mailboxstate") as batch:
        batch.add_column(
            sa.Column("sign_in_refused", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("mailboxstate") as batch:
        batch.drop_column("sign_in_refused")
