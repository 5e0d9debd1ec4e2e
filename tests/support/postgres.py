"""A fresh PostgreSQL database per test, created on the server MAILFLOW_TEST_DATABASE_URL names:
empty, or a copy of a migrated template (`CREATE DATABASE ... TEMPLATE`, a file copy on the
server, far cheaper than running the migrations again)."""

from __future__ import annotations

import itertools
import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

_counter = itertools.count()


def fresh_postgres_database(base_url: str, template: str | None = None) -> str:
    """A new database, empty or copied from the database `template` (which must have no
    connection open: PostgreSQL refuses to copy a database in use)."""
    url = make_url(base_url)
    name = f"mailflow_test_{os.getpid()}_{next(_counter)}"
    copy = f' TEMPLATE "{template}"' if template else ""
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)
