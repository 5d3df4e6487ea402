"""Full-text indexes the ORM does not model: an FTS5 table per searchable table on SQLite;
on PostgreSQL a GIN index over a stored, generated ``tsvector`` column (listings, since
migration 0008) or over an expression (profiles). Created by migrations; queried by
services/search.

Indexed text is already normalised by ``services.textsearch`` (the columns ``search_*``),
so both engines see the same words. On SQLite, triggers keep each FTS5 table in step with
its table; on PostgreSQL the database computes the vector from the columns themselves."""

# ruff: noqa: S608 -- DDL built from this module's constants only; nothing comes from input.

from __future__ import annotations

from typing import Any

from alembic import op
from sqlalchemy import Column, ColumnClause, Integer, MetaData, Table, literal_column

# Not part of the application's metadata, so autogenerate never tries to create them.
_fts_metadata = MetaData()

LISTINGS_FTS = Table("listings_fts", _fts_metadata, Column("rowid", Integer))
PROFILES_FTS = Table("profiles_fts", _fts_metadata, Column("rowid", Integer))

# The same expressions appear in the index definitions and in the queries, so that
# PostgreSQL can use the index (it matches the expression, not its meaning).
PG_LISTING_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, search_title), 'A'::\"char\") || "
    "setweight(to_tsvector('simple'::regconfig, search_body), 'B'::\"char\"))"
)
PG_PROFILE_VECTOR = "to_tsvector('simple'::regconfig, search_text)"

_INDEXES = {
    # name: (table, indexed columns)
    "listings": ("listings_fts", ("search_title", "search_body"), PG_LISTING_VECTOR),
    "profiles": ("profiles_fts", ("search_text",), PG_PROFILE_VECTOR),
}
# listings.search_vector: PostgreSQL only (the weighted vector, stored, so that neither the
# match nor the ranking tokenises the text again for every row).
LISTING_VECTOR: ColumnClause[Any] = literal_column("listings.search_vector")
UNMANAGED = {
    "ix_listings_search",
    "ix_profiles_search",
    "listings_fts",
    "profiles_fts",
    "search_vector",
}


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic hook: leave the full-text objects (and FTS5's shadow tables) out of
    autogenerate and ``flask db check``."""
    if name is None:
        return True
    return not (name in UNMANAGED or any(name.startswith(f"{t}_") for t in UNMANAGED))


def pg_vector(table: str):
    return literal_column(_INDEXES[table][2])


def create_search_index(table: str) -> None:
    fts, columns, vector = _INDEXES[table]
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        cols = ", ".join(columns)
        new = ", ".join(f"new.{c}" for c in columns)
        old = ", ".join(f"old.{c}" for c in columns)
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {cols} ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
            f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END"
        )
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    elif dialect == "postgresql":
        op.execute(f"CREATE INDEX ix_{table}_search ON {table} USING gin ({vector})")
    else:  # pragma: no cover - only the two supported engines
        raise RuntimeError(f"full-text search not written for {dialect}")


def create_listing_vector() -> None:
    """PostgreSQL: replace the expression index of listings by a stored vector column
    with its own GIN index (nothing to do on SQLite, where FTS5 holds the index)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE listings ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS {PG_LISTING_VECTOR} STORED"
    )
    op.execute("CREATE INDEX ix_listings_search_vector ON listings USING gin (search_vector)")
    op.execute("DROP INDEX IF EXISTS ix_listings_search")


def drop_listing_vector() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX ix_listings_search ON listings USING gin ({PG_LISTING_VECTOR})")
    op.execute("ALTER TABLE listings DROP COLUMN search_vector")  # drops its index too


def drop_search_index(table: str) -> None:
    fts = _INDEXES[table][0]
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for suffix in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {fts}")
    elif dialect == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_search")
