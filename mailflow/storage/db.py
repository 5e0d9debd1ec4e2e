"""Engine and transactions.

SQLite gets WAL, a busy timeout and `BEGIN IMMEDIATE`, so that two processes filing at once
queue for the write lock instead of failing half-way with "database is locked"; the agenda
counter then increments strictly one after another.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session, create_engine

from mailflow.clock import DEFAULT_ZONE
from mailflow.errors import SchemaError
from mailflow.storage import models  # noqa: F401  (registers the tables)


def _private_file(url: str) -> None:
    """Create a new SQLite file readable by this user alone (its -wal and -shm files follow it);
    an existing one keeps the mode its admin gave it."""
    database = make_url(url).database
    if not database or database == ":memory:":
        return
    path = Path(database)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        path.chmod(0o600)  # whatever the umask


def make_engine(url: str, connections: int = 5) -> Engine:
    """`connections`: how many this process may use at once (PostgreSQL; SQLite has one writer)."""
    if url.startswith("sqlite"):
        _private_file(url)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=connections, max_overflow=0)


# The database gone (OperationalError) or every pooled connection busy (TimeoutError): retry later.
DATABASE_ERRORS = (OperationalError, PoolTimeout)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _alembic(connection: Connection | None) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic(None)).get_current_head()
    if head is None:
        raise SchemaError("the migrations folder holds no revision")
    return head


def known_revision(revision: str) -> bool:
    """Whether this Mailflow's migrations hold `revision` (a newer Mailflow's schema is unknown)."""
    try:
        return ScriptDirectory.from_config(_alembic(None)).get_revision(revision) is not None
    except CommandError:
        return False


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, target: str = "head", zone: str = DEFAULT_ZONE) -> tuple[str | None, str | None]:
    """Apply the migrations not yet applied, up to `target`; returns (before, after). `zone`:
    the offices' time zone (config `timezone`), in which a migration recomputes the weeks the
    letters count in (0017); `mailflow db upgrade` and a restore pass the configured one."""
    before = current_revision(engine)
    with _migrating(engine) as connection:
        config = _alembic(connection)
        config.attributes["zone"] = zone
        command.upgrade(config, target)
    return before, current_revision(engine)


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """One transaction for the migrations. SQLite alters a table by copying it, which its foreign
    keys forbid while rows point at it: they are switched off around the transaction (outside it,
    as SQLite requires) and the whole database is checked before the commit, SQLite's own recipe."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection  # outside SQLAlchemy's transaction
        if sqlite and raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                yield connection
                if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").first()):
                    raise SchemaError(f"the migration broke a foreign key: {tuple(broken)}")
        finally:
            if sqlite and raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


def ensure_schema(engine: Engine) -> None:
    """A new, empty database is created; an existing one must already be at the code's revision."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    if current is None and not inspect(engine).get_table_names():
        upgrade(engine)
        return
    raise SchemaError(
        f"the database schema is at revision {current or 'unversioned'}, this Mailflow needs {head}: "
        "back up the database, then run `mailflow db upgrade`",
        behind=(current or "-", head),
    )


def create_schema(engine: Engine) -> None:
    """For tests and the demo: bring any database to the current schema."""
    upgrade(engine)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed on success, rolled back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def rehearsal(engine: Engine) -> Iterator[Session]:
    """A unit of work tried and never kept: always rolled back (a dry run: what would be done).
    `session.info["rehearsal"]` tells the steps inside not to log themselves as done."""
    with Session(engine, expire_on_commit=False, info={"rehearsal": True}) as session:
        try:
            yield session
        finally:
            session.rollback()
