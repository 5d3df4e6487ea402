"""Core statements compiled once and run on the driver's cursor: the posting path's few
hot statements (DESIGN.md §10, posting at ≥ 0.5 of the raw driver's rate).

A statement stays a SQLAlchemy Core construct, compiled by SQLAlchemy for the
connection's dialect (its SQL, its parameter order, its types' conversions); what is
skipped is SQLAlchemy's per-execution work, about 30–40 µs a statement against 1–7 µs
for the driver itself. The rest of ``Connection.execute``'s contract is kept: the
statement runs on the session's connection inside its transaction, ``before`` and
``after_cursor_execute`` listeners see it (query counters, tests that crash a posting
half-way), and a driver error becomes the ``sqlalchemy.exc.DBAPIError`` subclass that
``database.transaction`` retries or a caller catches (``IntegrityError``).

Only for statements whose parameters are all named ``bindparam``s with a type (no
expanding ``IN``, no literal values that vary)."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import ClauseElement

Row = Any  # a named tuple: the statement's columns by name


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # in the order the driver takes them (positional), or None
    positional: bool
    binds: dict[str, Callable[[Any], Any] | None]
    defaults: dict[str, Any]  # the values of literal binds (``kind == 'x'``)
    results: tuple[Callable[[Any], Any] | None, ...]


class Prepared:
    """``statement``, compiled once per dialect; ``one``/``all``/``run``/``many`` execute it."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}
        columns = getattr(statement, "exported_columns", ())
        self._row: Any = namedtuple("Row", [c.key for c in columns]) if columns else None

    def _for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is not None:
            return found
        compiled: Any = self.statement.compile(dialect=dialect)
        positional = bool(compiled.positional)
        names = tuple(compiled.positiontup or ()) if positional else tuple(compiled.binds)
        binds = {
            name: compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in set(names) | set(compiled.binds)
        }
        columns = getattr(self.statement, "exported_columns", ())
        results = tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        )
        defaults = {name: bind.value for name, bind in compiled.binds.items()}
        found = _Compiled(compiled.string, names, positional, binds, defaults, results)
        self._compiled[dialect.name] = found
        return found

    def _params(self, compiled: _Compiled, values: Mapping[str, Any]) -> Any:
        converted = {}
        for name, process in compiled.binds.items():
            value = values[name] if name in values else compiled.defaults[name]
            converted[name] = process(value) if process is not None else value
        if compiled.positional:
            return tuple(converted[name] for name in compiled.names)
        return converted

    def _execute(self, connection: Connection, params: Any, many: bool) -> Any:
        compiled = self._for(connection.dialect)
        if many:
            parameters: Any = [self._params(compiled, p) for p in params]
        else:
            parameters = self._params(compiled, params)
        driver: Any = connection.connection.driver_connection
        cursor = driver.cursor()
        dispatch: Any = connection.dispatch
        sql = compiled.sql
        try:
            if dispatch.before_cursor_execute:
                dispatch.before_cursor_execute(connection, cursor, sql, parameters, None, many)
            if many:
                cursor.executemany(sql, parameters)
            else:
                cursor.execute(sql, parameters)
            if dispatch.after_cursor_execute:
                dispatch.after_cursor_execute(connection, cursor, sql, parameters, None, many)
        except connection.dialect.loaded_dbapi.Error as exc:
            cursor.close()
            raise _wrapped(connection, exc, sql, parameters, cursor) from exc
        return cursor

    def run(self, connection: Connection, params: Mapping[str, Any]) -> int:
        """Execute; return the row count."""
        cursor = self._execute(connection, params, many=False)
        count = cursor.rowcount
        cursor.close()
        return count

    def many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Execute once per row (the driver's ``executemany``)."""
        if rows:
            self._execute(connection, rows, many=True).close()

    def all(self, connection: Connection, params: Mapping[str, Any]) -> list[Row]:
        """Execute and fetch every row, converted as SQLAlchemy would (dates, enums)."""
        cursor = self._execute(connection, params, many=False)
        rows = cursor.fetchall()
        cursor.close()
        results = self._for(connection.dialect).results
        make: Any = self._row._make if self._row is not None else tuple
        if not any(results):
            return [make(row) for row in rows]
        return [
            make(v if p is None else p(v) for p, v in zip(results, row, strict=True))
            for row in rows
        ]

    def one(self, connection: Connection, params: Mapping[str, Any]) -> Row | None:
        """The first row, or None."""
        rows = self.all(connection, params)
        return rows[0] if rows else None


def _wrapped(connection: Connection, exc: Any, sql: str, params: Any, cursor: Any):
    """The driver's error as ``Connection.execute`` raises it; a lost connection is
    invalidated, so the pool does not hand it out again."""
    dialect = connection.dialect
    driver = connection.connection.dbapi_connection
    lost = dialect.is_disconnect(exc, driver, cursor)
    if lost:
        connection.invalidate(exc)
    return DBAPIError.instance(
        sql,
        params,
        exc,
        dialect.loaded_dbapi.Error,
        connection_invalidated=lost,
        dialect=dialect,
    )


def insert_of(model: Any, names: Sequence[str], **fixed: Any) -> Prepared:
    """A prepared ``INSERT`` of ``model``'s table setting the columns ``names`` (one
    parameter each, of the column's type) and the columns of ``fixed`` (a value every row
    takes unless it gives its own: a column's Python-side default, e.g. ``attempts=0``)."""
    table: Table = model.__table__
    values = {name: bindparam(name, type_=table.c[name].type) for name in names}
    for name, value in fixed.items():
        values[name] = bindparam(name, value, type_=table.c[name].type)
    return Prepared(insert(table).values(values))
