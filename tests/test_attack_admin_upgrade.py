"""An office on the release before today's (schema 0013) upgrades with odd data in its registry:
a letter without a log, a letter disposed twice and finished twice, an entry logged before its
letter's receipt (a clock set wrong), and log texts in that release's English. `mailflow db
upgrade` then gives every letter the facts its log says, `letter show` and `letters` read every
letter, and the old log is worded in Indonesian."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import insert
from sqlmodel import Session, select

from mailflow.cli import cli
from mailflow.storage.db import current_revision, head_revision, make_engine, upgrade
from mailflow.storage.models import Disposition, Event, Letter
from mailflow.storage.spans import monday_of
from tests.support import REPO
from tests.support.facts import assert_stored_facts_agree
from tests.test_config_errors import mailflow

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
    assert letters[1].hours_to_disposition is None and letters[1].received_week is None  # no log: no span
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


@pytest.mark.xfail(
    strict=True,
    reason="the dashboard's weeks are UTC Mondays (storage/spans.monday_of, migration 0014, as before it): "
    "a letter received Monday 00:00-06:59 WIB counts in the week before; the office's own week needs "
    "the zone in the stored week and a backfill",
)
def test_a_letter_received_early_monday_counts_in_the_offices_week(empty_database_url):
    engine = make_engine(empty_database_url)
    upgrade(engine)
    early = dt.datetime(2026, 11, 29, 18, 30, tzinfo=dt.UTC)  # Monday 30 November, 01:30 WIB
    with engine.begin() as connection:
        connection.execute(insert(Letter), [_letter(1, early)])
    with Session(engine) as session:
        dialect = session.get_bind().dialect.name
        week = session.exec(select(monday_of(dialect, Letter.received_at))).one()  # type: ignore[call-overload]
    assert str(week) == "2026-11-30"


def test_before_the_upgrade_every_command_says_so_in_the_admins_words(old_office):
    _, config = old_office
    status = mailflow("--config", str(config), "status", cwd=config.parent)
    assert status.returncode == 3 and "skema basis data pada revisi 0013, Mailflow ini memerlukan" in status.stdout
    listed = mailflow("--config", str(config), "letters", cwd=config.parent)
    assert listed.returncode == 2 and "lalu jalankan `mailflow db upgrade`" in listed.stderr, listed.stderr
    for said in (status.stdout, listed.stderr):
        assert "the database schema" not in said and "this Mailflow needs" not in said, said
