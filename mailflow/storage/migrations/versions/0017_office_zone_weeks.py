"""the week each letter counts in on the dashboard is the office's (Monday in the office's time
zone), not the UTC one 0014 stored: a letter received Monday 00:00-06:59 WIB counted in the week
before. Every letter gets it now (it is a fact of the receipt, stored when a letter is filed),
recomputed in Python in the zone `mailflow db upgrade` passes (config `timezone`; SQLite has no
zone database); and an index of the dispositions by position, where the dashboard finds the
nodes at positions its reader does not oversee

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 10:00:00
"""

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

LETTER = sa.table(
    "letter",
    sa.column("id", sa.Integer),
    sa.column("received_at", sa.DateTime),
    sa.column("received_week", sa.Date),
)
CHUNK = 500  # ids per UPDATE: within every database's limit of bound parameters

# 0014's weeks (UTC Mondays, once a letter has a span), which the code before this revision keeps.
UTC_MONDAY = {
    "postgresql": "CAST(date_trunc('week', timezone('UTC', letter.received_at)) AS DATE)",
    "sqlite": "date(letter.received_at, '-6 days', 'weekday 1')",
}


def _monday(received: dt.datetime, zone: ZoneInfo) -> dt.date:
    """As storage/spans.week_of at this revision (a migration keeps its own copy)."""
    moment = received if received.tzinfo else received.replace(tzinfo=dt.UTC)
    local = moment.astimezone(zone).date()
    return local - dt.timedelta(days=local.weekday())


def upgrade() -> None:
    op.create_index("ix_disposition_position_letter", "disposition", ["position_id", "letter_id"])
    zone = ZoneInfo(op.get_context().config.attributes.get("zone", "Asia/Jakarta"))
    connection = op.get_bind()
    weeks: dict[dt.date, list[int]] = defaultdict(list)
    for letter_id, received in connection.execute(sa.select(LETTER.c.id, LETTER.c.received_at)):
        weeks[_monday(received, zone)].append(letter_id)
    # One UPDATE per week and chunk of its letters: ~52 a year of letters, not one per letter.
    for monday, ids in weeks.items():
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            connection.execute(sa.update(LETTER).where(LETTER.c.id.in_(chunk)).values(received_week=monday))


def downgrade() -> None:
    op.drop_index("ix_disposition_position_letter", table_name="disposition")
    dialect = op.get_bind().dialect.name
    op.execute(
        f"UPDATE letter SET received_week = CASE WHEN hours_to_disposition IS NOT NULL"
        f" OR hours_to_finish IS NOT NULL THEN {UTC_MONDAY[dialect]} END"
    )
