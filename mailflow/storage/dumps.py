"""The database as one file, and back: SQLite's online backup API, PostgreSQL's pg_dump in custom
format (Debian's postgresql-client). Both copy a consistent snapshot while the service runs.

pg_dump and pg_restore are told where to connect by a libpq URI without the password; the
password travels in PGPASSWORD, so it never shows in `ps` or in an error.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect, literal, select, table, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import create_engine

from mailflow.errors import MailflowError


class DumpError(MailflowError):
    """A dump that could not be written, read back or loaded."""


def kind_of(database_url: str) -> str:
    """"sqlite" or "postgresql": the two databases Mailflow runs on."""
    backend = make_url(database_url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DumpError(f"cannot back up a {backend} database; Mailflow runs on SQLite or PostgreSQL")
    return backend


def dump_name(kind: str) -> str:
    return "database.sqlite3" if kind == "sqlite" else "database.pgdump"


def sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise DumpError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _private_new(path: Path) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    path.chmod(0o600)


def dump(database_url: str, out: Path) -> None:
    """Write a consistent copy of the database to `out` (0600)."""
    _private_new(out)
    if kind_of(database_url) == "sqlite":
        source = sqlite_path(database_url)
        if not source.exists():
            raise DumpError(f"the database {source} does not exist")
        with sqlite3.connect(source) as src, sqlite3.connect(out) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        src.close()
        dst.close()
    else:
        _pg_tool("pg_dump", database_url, "--format=custom", "--no-owner", "--no-privileges", f"--file={out}")
    out.chmod(0o600)


def check(kind: str, path: Path) -> None:
    """Read a dump through its database's own tool: SQLite's integrity check, `pg_restore --list`."""
    if kind == "sqlite":
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                verdict = [row[0] for row in db.execute("PRAGMA integrity_check")]
            db.close()
        except sqlite3.DatabaseError as exc:
            raise DumpError(f"{path}: SQLite cannot read it: {exc}") from exc
        if verdict != ["ok"]:
            raise DumpError(f"{path}: SQLite's integrity check failed: {'; '.join(verdict[:3])}")
        return
    listing = _run([_tool("pg_restore"), "--list", str(path)], {})
    if "TABLE DATA" not in listing:
        raise DumpError(f"{path}: pg_restore lists no table data")


def has_data(database_url: str) -> bool:
    """Whether the database holds rows a restore would replace. Tables alone are not data: a
    command run after the database was lost (`mailflow letters`) creates an empty schema, and
    restoring over that must not need --force."""
    if kind_of(database_url) == "sqlite" and not sqlite_path(database_url).exists():
        return False
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            tables = [name for name in inspect(conn).get_table_names() if name != "alembic_version"]
            one_row = (select(literal(1)).select_from(table(name)).limit(1) for name in tables)
            return any(conn.execute(query).first() is not None for query in one_row)
    except OperationalError:  # PostgreSQL: the database itself is gone
        return False
    finally:
        engine.dispose()


def load(database_url: str, dump_file: Path) -> None:
    """Replace the database with the dump. The caller has checked the dump and the admin's consent."""
    if kind_of(database_url) == "sqlite":
        target = sqlite_path(database_url)
        target.parent.mkdir(parents=True, exist_ok=True)
        fresh = target.with_name(f".{target.name}.restoring")
        _private_new(fresh)
        with open(dump_file, "rb") as src, open(fresh, "wb") as dst:
            shutil.copyfileobj(src, dst)
            dst.flush()
            os.fsync(dst.fileno())
        for stale in (Path(f"{target}-wal"), Path(f"{target}-shm"), Path(f"{target}-journal")):
            stale.unlink(missing_ok=True)  # an old WAL replayed over the restored file would corrupt it
        os.replace(fresh, target)
        return
    url = make_url(database_url)
    _create_database(url)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for table in inspect(connection).get_table_names():
                connection.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    finally:
        engine.dispose()
    _pg_tool(
        "pg_restore",
        database_url,
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        str(dump_file),
    )


def _create_database(url: URL) -> None:
    """A dropped database is made again, empty, on the same server (as the configured user)."""
    engine = create_engine(url)
    try:
        with engine.connect():
            return
    except OperationalError:
        pass
    finally:
        engine.dispose()
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            name = (url.database or "").replace('"', '""')
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        raise DumpError(f"the database {url.database} is missing and cannot be created: {exc.orig}") from exc
    finally:
        admin.dispose()


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DumpError(
            f"{name} is not installed: PostgreSQL backups need Debian's postgresql-client "
            "(apt-get install postgresql-client)"
        )
    return found


def _pg_tool(name: str, database_url: str, *args: str) -> None:
    url = make_url(database_url)
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = {"PGPASSWORD": url.password} if url.password else {}
    _run([_tool(name), f"--dbname={conninfo}", *args], env)


def _run(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **env}, check=False)
    if done.returncode != 0:
        problem = (done.stderr.strip() or done.stdout.strip()).splitlines()
        raise DumpError(f"{Path(argv[0]).name} failed: {' '.join(problem[-3:])[:500]}")
    return done.stdout
