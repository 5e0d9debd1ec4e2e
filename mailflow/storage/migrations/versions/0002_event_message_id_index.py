"""index events by the message that caused them (replay checks look them up per reply)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 23:30:00
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_event_message_id", "event", ["message_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_event_message_id", table_name="event")
