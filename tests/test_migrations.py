"""Schema migrations: the models and the migrations agree, and an old schema is refused."""

import datetime as dt
import itertools
import random
from zoneinfo import ZoneInfo

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import insert, text
from sqlmodel import Session, SQLModel, select

from mailflow.cli import cli
from mailflow.config import Settings, load_settings
from mailflow.office.regency import load_regency
from mailflow.registry.agenda import next_serial
from mailflow.storage.db import (
    _alembic,
    _migrating,
    current_revision,
    head_revision,
    make_engine,
    transaction,
    upgrade,
)
from mailflow.storage.models import AgendaCounter, Book, Disposition, Event, Letter
from mailflow.storage.spans import week_of
from mailflow.web.lists import BookFilter, book_page, dashboard
from mailflow.web.reader import reader_for
from tests.support import REPO
from tests.support.facts import assert_stored_facts_agree, old_book_ids, old_week_medians


def test_migrations_build_exactly_the_models(empty_database_url):
    engine = make_engine(empty_database_url)
    upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": False}), SQLModel.metadata
        )
    assert diff == []


def test_an_older_schema_is_refused_until_upgraded(empty_database_url, tmp_path):
    engine = make_engine(empty_database_url)
    upgrade(engine, "0001")
    config = tmp_path / "config.toml"
    config.write_text(f'database_url = "{empty_database_url}"\nstorage_dir = "{tmp_path}/storage"\n')
    runner = CliRunner()
    refused = runner.invoke(cli, ["--config", str(config), "letters"])
    assert refused.exit_code != 0 and "mailflow db upgrade" in str(refused.exception or refused.output)
    done = runner.invoke(cli, ["--config", str(config), "db", "upgrade"])
    assert done.exit_code == 0 and f"0001 -> {head_revision()}" in done.output
    assert current_revision(engine) == head_revision()
    assert runner.invoke(cli, ["--config", str(config), "letters", "--json"]).exit_code == 0
    assert load_settings(config).database_url == empty_database_url


def test_the_newest_migration_goes_down_and_up_again(empty_database_url):
    engine = make_engine(empty_database_url)
    upgrade(engine)
    head = head_revision()
    previous = ScriptDirectory.from_config(_alembic(None)).get_revision(head).down_revision  # numbers may skip
    with _migrating(engine) as connection:
        command.downgrade(_alembic(connection), previous)
    assert current_revision(engine) == previous
    upgrade(engine)
    assert current_revision(engine) == head


def test_counters_of_before_books_go_on_in_the_incoming_book(database_url):
    """0010: an office's agenda counter of before books keeps counting, in the book `SM`."""
    engine = make_engine(database_url)
    upgrade(engine, "0009")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO agendacounter (office, year, seq) VALUES ('X', 2026, 5)"))
    upgrade(engine)
    with transaction(engine) as session:
        assert next_serial(session, "X", 2026) == 6
        [counter] = session.exec(select(AgendaCounter)).all()
        assert (counter.book, counter.seq) == (Book.INCOMING, 6)


def test_letters_before_0014_get_the_facts_their_log_and_trees_say(empty_database_url):
    """0014: a year's letters logged before it get their spans, week and open deadline from
    their log and trees; the dashboard's weeks and the filtered book then read as they did."""
    engine = make_engine(empty_database_url)
    upgrade(engine, "0013")
    rng = random.Random(14)
    today = dt.date(2026, 12, 2)
    letters, nodes, events = [], [], []
    for n in range(1, 301):
        received = dt.datetime.combine(today, dt.time(), dt.UTC) - dt.timedelta(minutes=rng.randint(0, 120 * 24 * 60))
        letters.append({
            "id": n, "office": rng.choice(("DISDIK", "DISDIK", "DINKES")), "book": "SM", "year": 2026, "seq": n,
            "agenda_number": f"{n:03d}/SM/2026", "subject_tag": f"t{n}", "received_at": received,
            "status": rng.choice(("awaiting", "in_progress", "done")), "mailbox": "surat",
            "clerk": "agenda@probolinggokab.example", "message_id": f"<{n}@x>", "fingerprint": f"f{n}",
            "raw_sha256": "0" * 64, "sources": {}, "confidence": {}, "fields_pending": False, "fields_early": False,
        })  # fmt: skip
        for _ in range(rng.randint(0, 3)):
            deadline = today + dt.timedelta(days=rng.randint(-9, 9)) if rng.random() < 0.8 else None
            nodes.append({"letter_id": n, "position_id": "kadis", "holder": "kadis@probolinggokab.example",
                          "holder_name": "Budi", "holder_title": "Kepala Dinas", "disposer": "routing",
                          "instruction": "", "deadline": deadline, "answered": False,
                          "state": rng.choice(("pending", "acknowledged", "in_progress", "disposed", "completed",
                                               "archived", "cancelled")),
                          "created_at": received, "updated_at": received})  # fmt: skip
        for _ in range(rng.randint(0, 5)):
            events.append({"letter_id": n, "at": received + dt.timedelta(hours=rng.uniform(0, 900)), "actor": "k",
                           "action": rng.choice(("disposed", "completed", "archived", "requested", "noted")),
                           "targets": [], "text": ""})  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(Letter), letters)
        connection.execute(insert(Disposition), nodes)
        connection.execute(insert(Event), events)
    upgrade(engine)
    assert_stored_facts_agree(engine)
    regency = load_regency(REPO / "rules")
    settings = Settings(rules_dir=REPO / "rules", admin_email="admin@probolinggokab.example")
    reader = reader_for(regency, settings, "agenda@probolinggokab.example", today)
    assert reader is not None
    start = today - dt.timedelta(days=today.weekday() + 7 * 11)
    with Session(engine) as session:
        weeks = dashboard(session, reader).weeks
        shown = {("first", n): w.first_disposition_hours for n, w in enumerate(weeks)}
        shown |= {("done", n): w.completion_hours for n, w in enumerate(weeks)}
        assert {k: v for k, v in shown.items() if v is not None} == old_week_medians(session, "DISDIK", start, 12)
        for state, page in itertools.product(("", "awaiting", "done"), (1, 2, 3)):
            wanted = BookFilter(state=state, overdue=True, page=page)
            assert [letter.id for letter in book_page(session, reader, wanted)[0]] == old_book_ids(
                session, reader, wanted
            )


def test_letters_before_0017_count_in_the_offices_week(empty_database_url):
    """0017: every letter, with a span or none, gets the Monday of its receipt in the zone the
    upgrade is given (config `timezone`: here WIT, +9), whatever week 0014 stored (UTC); the
    letters received in the first hours of a Monday there move to that week. Downgraded, the
    weeks are 0014's again."""
    engine = make_engine(empty_database_url)
    upgrade(engine, "0015")
    rng = random.Random(17)
    monday = dt.datetime(2026, 11, 29, 15, tzinfo=dt.UTC)  # Monday 30 November, 00:00 WIT
    letters = []
    for n in range(1, 1201):  # more than one UPDATE's chunk in a week
        received = monday + dt.timedelta(minutes=rng.randint(-3 * 24 * 60, 3 * 24 * 60))
        span = 2.0 if n % 3 else None
        letters.append({
            "id": n, "office": "DISDIK", "book": "SM", "year": 2026, "seq": n, "agenda_number": f"{n:04d}/SM/2026",
            "subject_tag": f"t{n}", "received_at": received, "status": "done", "mailbox": "surat",
            "clerk": "agenda@probolinggokab.example", "message_id": f"<{n}@x>", "fingerprint": f"f{n}",
            "raw_sha256": "0" * 64, "sources": {}, "confidence": {}, "fields_pending": False, "fields_early": False,
            "hours_to_disposition": span,
            "received_week": (received - dt.timedelta(days=received.weekday())).date() if span else None,
        })  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(Letter), letters)
    upgrade(engine, zone="Asia/Jayapura")
    wit = ZoneInfo("Asia/Jayapura")
    with Session(engine) as session:
        weeks = dict(session.exec(select(Letter.id, Letter.received_week)).all())
    expected = {row["id"]: week_of(row["received_at"], wit) for row in letters}
    assert weeks == expected
    moved = [row for row in letters if row["received_at"] >= monday and row["received_at"].date() < dt.date(2026, 11, 30)]
    assert moved and all(weeks[row["id"]] == dt.date(2026, 11, 30) for row in moved)  # Monday there, Sunday in UTC
    with _migrating(engine) as connection:
        command.downgrade(_alembic(connection), "0015")
    with Session(engine) as session:
        assert dict(session.exec(select(Letter.id, Letter.received_week)).all()) == {
            row["id"]: row["received_week"] for row in letters
        }
