"""the web dashboard's indexes: an office's letters by state, and a letter's log by action and
moment (its first disposition and its completion, read from the index alone); the book's
(office, received_at) index ends with the id, its tie-break, so PostgreSQL never sorts a page

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
    op.drop_index("ix_letter_office_received_at", table_name="letter")
    op.create_index("ix_letter_office_received_at", "letter", ["office", "received_at", "id"])
    op.create_index("ix_letter_office_status", "letter", ["office", "status"])
    op.create_index("ix_event_letter_action_at", "event", ["letter_id", "action", "at"])


def downgrade() -> None:
    op.drop_index("ix_event_letter_action_at", table_name="event")
    op.drop_index("ix_letter_office_status", table_name="letter")
    op.drop_index("ix_letter_office_received_at", table_name="letter")
    op.create_index("ix_letter_office_received_at", "letter", ["office", "received_at"])
