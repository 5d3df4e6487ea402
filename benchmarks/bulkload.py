"""Bulk loading for ``benchmarks generate``: rows into a migrated, empty database as fast as
each engine takes them (issue 15).

- SQLite: one transaction on one connection with ``journal_mode=OFF``,
  ``synchronous=OFF``, ``foreign_keys=OFF``, a large page cache and ``executemany`` in
  batches; ``journal_mode=WAL`` again at the end (what the application uses).
- PostgreSQL: ``COPY … FROM STDIN`` through psycopg 3 (``cursor.copy``), one transaction,
  with ``session_replication_role = replica`` so that neither foreign-key checks nor other
  triggers fire row by row (the rows are consistent by construction, and
  ``verify-ledger`` checks the ledger afterwards).

While the big tables load, their secondary indexes and their triggers are dropped; each is
recreated afterwards from the exact SQL the database reported for it (``sqlite_master``;
``pg_indexes`` / ``pg_get_constraintdef`` / ``pg_get_triggerdef``), so the schema after a
load is the migrated one (``flask db check`` stays clean). Primary keys stay. On SQLite an
FTS5 table whose insert trigger was dropped is rebuilt from its content table. ``ANALYZE``
at the end."""

# ruff: noqa: S608 -- SQL built from table names of the application's own metadata.

from __future__ import annotations

import enum
import os
import sqlite3
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

BATCH = 100_000


def sqlite_value(value: Any) -> Any:
    """A Python value as SQLAlchemy stores it in SQLite (naive UTC text for datetimes)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


class Loader:
    """Bulk rows into one table at a time. Values are Python objects, or text already in
    the engine's form (see ``stamp``); columns with a scalar default in the models are
    filled in when a row does not give them (the ORM sets those, not the database)."""

    def __init__(self, url: str):
        from sqlalchemy.engine import make_url

        from timebank.models import Base

        self.url = make_url(url)
        self.pg = self.url.get_backend_name() == "postgresql"
        self.tables = Base.metadata.tables
        self.counts: dict[str, int] = {}
        self._held: list[tuple[str, str]] = []  # (kind, SQL to recreate), in order
        self._fts: list[str] = []
        self.server_cpu_s: float | None = None
        self.true, self.false = (True, False) if self.pg else (1, 0)
        if self.pg:
            import psycopg

            plain = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self.conn: Any = psycopg.connect(plain)
            for setting in ("session_replication_role = replica", "synchronous_commit = off",
                            "maintenance_work_mem = '512MB'",
                            "max_parallel_maintenance_workers = 2"):  # fmt: skip
                self.execute(f"SET {setting}")
            self.backend = int(self.execute("SELECT pg_backend_pid()")[0][0])
        else:
            self.conn = sqlite3.connect(self.url.database or "", isolation_level=None)
            for pragma in ("journal_mode = OFF", "synchronous = OFF", "foreign_keys = OFF",
                           "cache_size = -400000", "temp_store = MEMORY", "threads = 2",
                           "locking_mode = EXCLUSIVE"):  # fmt: skip
                self.conn.execute(f"PRAGMA {pragma}")
            self.conn.execute("BEGIN")

    def has(self, table: str, column: str) -> bool:
        return column in self.tables[table].c

    def stamp(self, moment: datetime) -> Any:
        """A UTC ``datetime`` in the form this engine's loader writes fastest."""
        if self.pg:
            return moment
        return moment.replace(tzinfo=None).isoformat(" ", "microseconds")

    def day(self, day: date) -> Any:
        return day if self.pg else day.isoformat()

    # -- indexes and triggers -------------------------------------------------------------

    def hold(self, tables: Iterable[str]) -> None:
        """Drop the secondary indexes and the triggers of ``tables`` until ``restore``."""
        for table in tables:
            if self.pg:
                self._hold_pg(table)
            else:
                self._hold_sqlite(table)

    def _hold_sqlite(self, table: str) -> None:
        rows = self.conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? "
            "AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name",
            (table,),
        ).fetchall()
        for kind, name, sql in rows:
            self.conn.execute(f'DROP {kind.upper()} "{name}"')
            self._held.append((kind, sql))
            fts = name.rsplit("_", 1)[0]
            if kind == "trigger" and fts.endswith("_fts") and fts not in self._fts:
                # The FTS5 table this trigger keeps: rebuilt from its content afterwards.
                self._fts.append(fts)

    def _hold_pg(self, table: str) -> None:
        constraints = self.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'u' ORDER BY conname",
            (table,),
        )
        indexes = self.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
            "AND i.schemaname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conname = i.indexname AND c.conrelid = %s::regclass) ORDER BY 1",
            (table, table),
        )
        triggers = self.execute(
            "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
            "WHERE tgrelid = %s::regclass AND NOT tgisinternal ORDER BY tgname",
            (table,),
        )
        for name, definition in constraints:
            self.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            self._held.append(
                ("constraint", f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            )
        for name, definition in indexes:
            self.execute(f'DROP INDEX "{name}"')
            self._held.append(("index", definition))
        for name, definition in triggers:
            self.execute(f'DROP TRIGGER "{name}" ON {table}')
            self._held.append(("trigger", definition))

    def restore(self) -> None:
        """Recreate what ``hold`` dropped, exactly as it was; rebuild FTS5 tables."""
        for _kind, sql in self._held:
            self.execute(sql)
        self._held.clear()
        for fts in self._fts:
            self.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
        self._fts.clear()

    # -- rows -----------------------------------------------------------------------------

    def put(self, table: str, columns: list[str], rows: Iterable[tuple]) -> int:
        """Write ``rows`` (tuples in ``columns`` order) to ``table``; returns how many."""
        extra = []
        for column in self.tables[table].columns:
            default: Any = column.default
            if column.name in columns or default is None or not default.is_scalar:
                continue
            extra.append((column.name, default.arg))
        names = columns + [name for name, _ in extra]
        tail = tuple(
            value.value
            if isinstance(value, enum.Enum)
            else value
            if self.pg
            else sqlite_value(value)
            for _, value in extra
        )
        count = 0
        if self.pg:
            with (
                self.conn.cursor() as cur,
                cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy,
            ):
                write = copy.write_row
                if tail:
                    for row in rows:
                        write(row + tail)
                        count += 1
                else:
                    for row in rows:
                        write(row)
                        count += 1
        else:
            sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            batch: list[tuple] = []
            for row in rows:
                batch.append(row + tail if tail else row)
                if len(batch) >= BATCH:
                    self.conn.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            self.conn.executemany(sql, batch)
            count += len(batch)
        self.counts[table] = self.counts.get(table, 0) + count
        return count

    def execute(self, sql: str, params: Any = ()) -> list:
        if self.pg:
            with self.conn.cursor() as cur:
                cur.execute(sql, params or None)
                return cur.fetchall() if cur.description else []
        return self.conn.execute(sql.replace("%s", "?"), params).fetchall()

    def server_cpu(self) -> float | None:
        """CPU seconds of the PostgreSQL backend loading (when the server runs on this
        machine; parallel index-build workers not included); None for SQLite, whose work is
        this process's."""
        if not self.pg:
            return None
        try:
            with open(f"/proc/{self.backend}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def finish(self) -> None:
        """Commit, move PostgreSQL's id sequences past the ids written, ANALYZE (and on
        PostgreSQL VACUUM)."""
        if self.pg:
            for table in self.counts:
                if "id" in self.tables[table].c:
                    self.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT max(id) FROM {table}))")  # fmt: skip
            self.conn.commit()
            self.conn.autocommit = True
            # VACUUM as well: it sets the visibility map, without which no index-only scan
            # is possible (a running server's autovacuum sets it after a load; the benchmark
            # server may run with autovacuum off, as this one did; then the categories
            # page counted 100,000 listings by a parallel scan of the table, not its index).
            self.execute("VACUUM (ANALYZE)")
            self.server_cpu_s = self.server_cpu()
        else:
            self.conn.execute("COMMIT")
            self.conn.execute("ANALYZE")
            self.conn.execute("PRAGMA locking_mode = NORMAL")
            self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.close()
