"""A second, brand-new database on the suite's engine, for tests that migrate, generate or
restore into an empty one: a fresh SQLite file, or (with ``TIMEBANK_TEST_DATABASE_URL``) a
fresh PostgreSQL database on the same server, dropped afterwards."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from tests.conftest import PG_URL


@contextmanager
def new_database(folder: Path, purpose: str) -> Iterator[str]:
    """The URL of a new empty database named after ``purpose`` (and, on PostgreSQL, this
    process, so parallel workers never share one); a SQLite file goes in ``folder``."""
    if not PG_URL:
        yield f"sqlite:///{folder / f'{purpose}.sqlite3'}"
        return
    url = sa.engine.make_url(PG_URL)
    name = f"{url.database or 'timebank'}_{purpose}_{os.getpid()}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    drop = sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    try:
        with admin.connect() as conn:
            conn.execute(drop)
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(drop)
        admin.dispose()
