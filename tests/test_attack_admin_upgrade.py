"""An office on the release before today's (schema 0013) upgrades with odd data in its registry:
a letter without a log, a letter disposed twice and finished twice, an entry logged before its
letter's receipt (a clock set wrong), and log texts in that release's English. `mailflow db
upgrade` then gives every letter the facts its log says, `letter show` and `letters` read every
letter, and the old log is worded in Indonesian."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import insert
from sqlmodel import Session, select

from mailflow.cli import cli
from mailflow.storage.db import current_revision, head_revision, make_engine, upgrade
from mailflow.storage.models import Disposition, Event, Letter
from mailflow.storage.spans import week_of
from mailflow.web.lists import dashboard
from mailflow.web.reader import reader_for
from tests.support import REPO
from tests.support.facts import assert_stored_facts_agree
from tests.test_config_errors import mailflow
from tests.test_web_scope import DOMAIN, REGENCY, SETTINGS

RECEIVED = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # a Monday, 09:00 WIB
CLERK = "agenda@probolinggokab.example"


def _letter(n: int, received: dt.datetime = RECEIVED) -> dict[str, object]:
    return {"id": n, "office": "DISDIK", "book": "SM", "year": 2026, "seq": n, "agenda_number": f"{n:03d}/SM/2026",
            "subject_tag": f"t{n}", "received_at": received, "status": "in_progress", "mailbox": "surat",
            "clerk": CLERK, "message_id": f"<{n}@x>", "fingerprint": f"f{n}", "raw_sha256": "0" * 64,
            "sources": {}, "confidence": {}, "fields_pending": False, "fields_early": False,
            "subject": f"Surat {n}"}  # fmt: skip


def _event(n: int, hours: float, action: str, text: str = "", targets: list[str] | None = None) -> dict[str, object]:
    return {"letter_id": n, "at": RECEIVED + dt.timedelta(hours=hours), "actor": "kadis@probolinggokab.example",
            "action": action, "targets": targets or [], "text": text}  # fmt: skip


@pytest.fixture
def old_office(empty_database_url, tmp_path):
    engine = make_engine(empty_database_url)
    upgrade(engine, "0013")
    events = [
        _event(2, 1, "registered", "filed from surat"), _event(2, 3, "disposed"), _event(2, 5, "disposed"),
        _event(2, 30, "completed"), _event(2, 40, "completed", "SETDA 001/SM/2026"),
        _event(3, -2, "registered", "filed from surat"), _event(3, -1, "disposed"),  # before its receipt
        _event(3, 2, "bounced", "request to kadis@probolinggokab.example could not be delivered",
               ["kadis@probolinggokab.example"]),
        _event(3, 3, "scanned", "OCR: 2 page(s), confidence 71; read sender, subject"),
    ]  # fmt: skip
    node = {"letter_id": 3, "position_id": "kadis", "holder": "kadis@probolinggokab.example", "holder_name": "Budi",
            "holder_title": "Kepala Dinas", "disposer": "routing", "instruction": "", "answered": False,
            "deadline": dt.date(2026, 11, 25), "state": "pending", "created_at": RECEIVED,
            "updated_at": RECEIVED}  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(Letter), [_letter(1), _letter(2), _letter(3)])
        connection.execute(insert(Disposition), [node])
        connection.execute(insert(Event), events)
    config = tmp_path / "config.toml"
    config.write_text(f'database_url = "{empty_database_url}"\nstorage_dir = "{tmp_path}/storage"\n'
                      f'rules_dir = "{REPO / "rules"}"\n')  # fmt: skip
    return engine, config


def test_an_upgrade_over_odd_data_gives_every_letter_its_facts(old_office):
    engine, config = old_office
    runner = CliRunner()
    done = runner.invoke(cli, ["--config", str(config), "db", "upgrade"])
    assert done.exit_code == 0 and current_revision(engine) == head_revision(), done.output
    assert_stored_facts_agree(engine)
    with Session(engine) as session:
        letters = {letter.id: letter for letter in session.exec(select(Letter)).all()}
    assert letters[1].hours_to_disposition is None  # no log: no span
    assert {letter.received_week for letter in letters.values()} == {dt.date(2026, 11, 23)}  # every letter's week
    assert letters[2].hours_to_disposition == pytest.approx(3) and letters[2].hours_to_finish == pytest.approx(40)
    assert letters[3].hours_to_disposition == pytest.approx(-1) and letters[3].open_deadline == dt.date(2026, 11, 25)


def test_every_letter_reads_after_the_upgrade_in_indonesian(old_office):
    _, config = old_office
    runner = CliRunner()
    assert runner.invoke(cli, ["--config", str(config), "db", "upgrade"]).exit_code == 0
    listed = runner.invoke(cli, ["--config", str(config), "letters", "--year", "2026"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0 and all(f"00{n}/SM/2026" in listed.output for n in (1, 2, 3)), listed.output
    for n in (1, 2, 3):
        shown = runner.invoke(cli, ["--config", str(config), "letter", "show", f"00{n}/SM/2026"],
                              env={"COLUMNS": "200"})  # fmt: skip
        assert shown.exit_code == 0, shown.output
        words = " ".join(shown.output.split())  # however the table wraps its cells
        for english in ("filed from", "could not be delivered", "page(s)"):
            assert english not in words, shown.output
    shown = runner.invoke(cli, ["--config", str(config), "letter", "show", "003/SM/2026"], env={"COLUMNS": "200"})
    words = " ".join(shown.output.split())
    assert "email permintaan disposisi tidak terkirim" in words and "OCR 2 halaman" in words, shown.output


def test_a_letter_received_early_monday_counts_in_the_offices_week(empty_database_url, tmp_path):
    """A letter received Monday 01:30 WIB, whose week 0014 stored as the UTC one (the Monday
    before), counts in the office's week once `mailflow db upgrade` (migration 0017) recomputes
    the weeks in the configured zone; the dashboard read that Monday shows it in its own week."""
    engine = make_engine(empty_database_url)
    upgrade(engine, "0015")
    early = dt.datetime(2026, 11, 29, 18, 30, tzinfo=dt.UTC)  # Monday 30 November, 01:30 WIB
    kept = {"received_week": dt.date(2026, 11, 23), "hours_to_disposition": 2.0}  # as 0014 and 0015 kept it
    with engine.begin() as connection:
        connection.execute(insert(Letter), [_letter(1, early) | kept])
    config = tmp_path / "config.toml"
    config.write_text(f'database_url = "{empty_database_url}"\nstorage_dir = "{tmp_path}/storage"\n'
                      f'rules_dir = "{REPO / "rules"}"\ntimezone = "WIB"\n')  # fmt: skip
    done = CliRunner().invoke(cli, ["--config", str(config), "db", "upgrade"])
    assert done.exit_code == 0 and current_revision(engine) == head_revision(), done.output
    monday = dt.date(2026, 11, 30)
    reader = reader_for(REGENCY, SETTINGS, f"kadis@{DOMAIN}", monday)
    assert reader is not None
    with Session(engine) as session:
        assert session.exec(select(Letter.received_week)).one() == monday
        board = dashboard(session, reader, weeks=2)
    assert [week.start for week in board.weeks] == [dt.date(2026, 11, 23), monday]
    assert board.weeks[0].first_disposition_hours is None and board.weeks[1].first_disposition_hours == 2.0


def test_a_letter_filed_early_monday_is_kept_in_the_offices_week():
    """The week stored when a letter is filed (storage/spans.week_of) is the office zone's, from
    the zone's own rules (no fixed offset): 01:30 WIB Monday, or 00:30 WIT, is that Monday."""
    early = dt.datetime(2026, 11, 29, 18, 30, tzinfo=dt.UTC)
    assert week_of(early, ZoneInfo("Asia/Jakarta")) == dt.date(2026, 11, 30)
    assert week_of(early - dt.timedelta(hours=3), ZoneInfo("Asia/Jayapura")) == dt.date(2026, 11, 30)
    assert week_of(early, ZoneInfo("UTC")) == dt.date(2026, 11, 23)
    assert week_of(early.replace(tzinfo=None), ZoneInfo("Asia/Jakarta")) == dt.date(2026, 11, 30)  # stored: UTC
    # a zone with summer time: 00:30 on the Monday after Europe's clocks went back is that Monday
    assert week_of(dt.datetime(2026, 10, 25, 23, 30, tzinfo=dt.UTC), ZoneInfo("Europe/Berlin")) == dt.date(2026, 10, 26)


def test_before_the_upgrade_every_command_says_so_in_the_admins_words(old_office):
    _, config = old_office
    status = mailflow("--config", str(config), "status", cwd=config.parent)
    assert status.returncode == 3 and "skema basis data pada revisi 0013, Mailflow ini memerlukan" in status.stdout
    listed = mailflow("--config", str(config), "letters", cwd=config.parent)
    assert listed.returncode == 2 and "lalu jalankan `mailflow db upgrade`" in listed.stderr, listed.stderr
    for said in (status.stdout, listed.stderr):
        assert "the database schema" not in said and "this Mailflow needs" not in said, said
