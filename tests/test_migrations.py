"""Schema migrations: the models and the migrations agree, and an old schema is refused."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import text
from sqlmodel import SQLModel, select

from mailflow.cli import cli
from mailflow.config import load_settings
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
from mailflow.storage.models import AgendaCounter, Book


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
