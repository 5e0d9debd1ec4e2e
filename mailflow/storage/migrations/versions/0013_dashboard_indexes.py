"""the web dashboard's indexes: an office's letters by state, and a letter's log by action and
moment (its first disposition and its completion, read from the index alone)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 05:00:00
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_letter_office_status", "letter", ["office", "status"])
    op.create_index("ix_event_letter_action_at", "event", ["letter_id", "action", "at"])


def downgrade() -> None:
    op.drop_index("ix_event_letter_action_at", table_name="event")
    op.drop_index("ix_letter_office_status", table_name="letter")
