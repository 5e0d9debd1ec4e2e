"""the web pages' sign-in links: spent once, and counted for the sign-in page's rate limit; the
indexes of "Surat saya" (a holder's open dispositions) and of the dashboard (an office's weeks)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 04:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "weblink",
        sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("client", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("nonce"),
    )
    op.create_index("ix_weblink_address", "weblink", ["address"])
    op.create_index("ix_weblink_client", "weblink", ["client"])
    op.create_index("ix_weblink_created_at", "weblink", ["created_at"])
    op.create_index("ix_disposition_holder_state", "disposition", ["holder", "state"])
    op.create_index("ix_letter_office_received_at", "letter", ["office", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_letter_office_received_at", table_name="letter")
    op.drop_index("ix_disposition_holder_state", table_name="disposition")
    op.drop_index("ix_weblink_created_at", table_name="weblink")
    op.drop_index("ix_weblink_client", table_name="weblink")
    op.drop_index("ix_weblink_address", table_name="weblink")
    op.drop_table("weblink")
