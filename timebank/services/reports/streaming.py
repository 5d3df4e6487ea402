"""Read a large result in batches, memory flat, as plain tuples.

SQLite: ``yield_per`` (SQLite's cursor already steps through the rows).

PostgreSQL: SQLAlchemy's ``yield_per`` / ``stream_results`` reads through a server-side
(named) cursor, ``DECLARE … CURSOR``, and PostgreSQL never gives a cursor a parallel plan,
so a big export ran at 0.4 of ``psql \\copy`` (benchmarks/README.md, "exports"). Instead
the statement is compiled here (its parameters through the bind processors of their
SQLAlchemy types: enums as their stored values, UTC timestamps, expanded ``IN`` lists) and
sent on the session's own connection, in its transaction, with psycopg 3's
``Cursor.stream``: one ordinary execution whose rows libpq hands over in chunks
(single-row mode before libpq 17), so the planner may use parallel workers as for the
plain query.

Rows come back as the driver gives them, without SQLAlchemy's result processing: select
columns that need none (text, integers; format timestamps in SQL)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql import Select

BATCH = 5000


def rows(connection: Connection, statement: Select, *, batch: int = BATCH) -> Iterator[Any]:
    """The statement's rows, read ``batch`` at a time."""
    if connection.dialect.name != "postgresql":
        yield from connection.execute(statement.execution_options(yield_per=batch))
        return
    # What SQLAlchemy does as it executes, through its public API: expand the IN lists,
    # run each parameter's bind processor (that of its type's implementation for this
    # dialect, or the expanded list's), then escape the names as the statement spells them.
    dialect = connection.dialect
    compiled = statement.compile(dialect=dialect)
    expanded = compiled.construct_expanded_state(escape_names=False)
    processors: dict[str, Any] = {
        name: processor
        for name, bind in compiled.binds.items()
        if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
    }
    processors.update(expanded.processors)
    escaped = compiled.escaped_bind_names
    params = {
        escaped.get(key, key): processors[key](value) if key in processors else value
        for key, value in expanded.parameters.items()
    }
    driver = connection.connection.driver_connection
    cursor = driver.cursor()  # type: ignore[union-attr]
    try:
        yield from cursor.stream(expanded.statement, params, size=batch)
    finally:
        cursor.close()
