"""An outside attack on the office weeks (storage/spans.week_of, migration 0017): a backup made
before 0017 and restored by this Mailflow (which upgrades it, as `mailflow db upgrade` does)
gets every letter's week in the config's `timezone`, given as Indonesia's own name; and the
dashboard then counts a letter received in the first hours of a Monday there in that week."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session, col, select

from mailflow.config import Settings
from mailflow.ops.backup import backup, restore
from mailflow.storage.db import current_revision, head_revision, make_engine, upgrade
from mailflow.storage.models import Letter
from mailflow.web.lists import dashboard
from mailflow.web.reader import reader_for
from tests.support import REPO
from tests.support.postgres import fresh_postgres_database
from tests.test_web_scope import DOMAIN, REGENCY

MONDAY_WIT = dt.datetime(2026, 11, 29, 15, 30, tzinfo=dt.UTC)  # Monday 30 Nov 00:30 WIT, Sunday in UTC and WIB


def _url(tmp_path: Path, name: str) -> str:
    base = os.environ.get("MAILFLOW_TEST_DATABASE_URL")
    return fresh_postgres_database(base) if base else f"sqlite:///{tmp_path}/{name}.db"


def test_a_backup_before_0017_restored_counts_each_letter_in_the_configured_offices_week(tmp_path: Path) -> None:
    def settings(url: str, storage: str) -> Settings:
        return Settings(
            rules_dir=REPO / "rules", admin_email=f"admin@{DOMAIN}", database_url=url,
            storage_dir=tmp_path / storage, timezone="WIT",
        )  # fmt: skip

    old = settings(_url(tmp_path, "old"), "old-storage")
    engine = make_engine(old.database_url)
    upgrade(engine, "0015")
    rows = [
        {"id": n, "office": "DISDIK", "book": "SM", "year": 2026, "seq": n, "agenda_number": f"{n:03d}/SM/2026",
         "subject_tag": f"t{n}", "received_at": at, "status": "done", "mailbox": "surat",
         "clerk": f"agenda@{DOMAIN}", "message_id": f"<{n}@x>", "fingerprint": f"f{n}", "raw_sha256": "0" * 64,
         "sources": {}, "confidence": {}, "fields_pending": False, "fields_early": False,
         "hours_to_disposition": 1.0 + n, "hours_to_finish": 3.0 + n,
         "received_week": (at - dt.timedelta(days=at.weekday())).date()}  # 0014's: the UTC Monday
        for n, at in enumerate([MONDAY_WIT, MONDAY_WIT - dt.timedelta(days=3), MONDAY_WIT + dt.timedelta(hours=9)], 1)
    ]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(Letter), rows)
    engine.dispose()
    (tmp_path / "old-storage").mkdir()
    backup(old, tmp_path / "backup")

    new = settings(_url(tmp_path, "new"), "new-storage")
    report = restore(new, tmp_path / "backup", force=False)
    assert (report.schema_before, report.schema_after) == ("0015", head_revision())
    engine = make_engine(new.database_url)
    assert current_revision(engine) == head_revision()
    with Session(engine) as session:
        weeks = dict(session.exec(select(col(Letter.id), col(Letter.received_week))).all())
        assert weeks == {1: dt.date(2026, 11, 30), 2: dt.date(2026, 11, 23), 3: dt.date(2026, 11, 30)}
        kadis = reader_for(REGENCY, new, f"kadis@{DOMAIN}", dt.date(2026, 12, 2))
        assert kadis is not None
        board = dashboard(session, kadis, weeks=2)
        assert [(w.start, w.first_disposition_hours, w.completion_hours) for w in board.weeks] == [
            (dt.date(2026, 11, 23), 3.0, 5.0),
            (dt.date(2026, 11, 30), 3.0, 5.0),  # letters 1 and 3: the median of 2.0 and 4.0
        ]
    engine.dispose()
