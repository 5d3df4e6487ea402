"""Migrations are the only way the schema changes: an empty database upgrades to head
with no drift from the models, downgrades to base and upgrades again."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

import timebank
from tests.conftest import BASE_CONFIG
from tests.databases import new_database
from timebank import create_app
from timebank.extensions import db


@pytest.fixture
def empty_database_uri(tmp_path):
    """A brand-new database: a fresh SQLite file, or a fresh PostgreSQL database."""
    with new_database(tmp_path, "migrations") as url:
        yield url


@pytest.fixture
def migration_app(empty_database_uri, tmp_path):
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_database_uri})
    app.instance_path = str(tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _tables() -> set[str]:
    """Tables the models describe: without Alembic's own table, and without SQLite's
    full-text index (an FTS5 virtual table and its shadow tables, created by migration)."""
    with db.engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
    full_text = {n for n in names if n.endswith("_fts") or "_fts_" in n}
    return names - {"alembic_version"} - full_text


def _db_check(app) -> None:
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, (result.output, result.exception)


def test_upgrade_check_downgrade_upgrade(migration_app):
    """Upgrade to head, `flask db check` finds no drift, down to base, and up again."""
    assert _tables() == set()
    upgrade()
    assert _tables() == set(db.metadata.tables)
    _db_check(migration_app)
    downgrade(revision="base")
    assert _tables() == set()
    assert _functions() == set(), "a downgrade to base leaves nothing of ours behind"
    upgrade()
    assert _tables() == set(db.metadata.tables)
    _db_check(migration_app)


def _functions() -> set[str]:
    """PostgreSQL functions in the public schema (SQLite has none to leave behind)."""
    if db.engine.dialect.name != "postgresql":
        return set()
    with db.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = 'public'"
            )
        )
        return {row[0] for row in rows}


def test_db_check_notices_drift(migration_app):
    """`flask db check` fails when the models have something the migrations do not."""
    upgrade()
    extra = sa.Table("drift_probe", db.metadata, sa.Column("id", sa.Integer, primary_key=True))
    try:
        result = migration_app.test_cli_runner().invoke(args=["db", "check"])
        assert result.exit_code != 0
    finally:
        db.metadata.remove(extra)


def test_the_migrations_ship_inside_the_package(migration_app):
    """An installed wheel carries its migrations: `timebank db upgrade` reads them from the
    package, not from a source checkout."""
    package = Path(timebank.__file__).parent
    directory = Path(migration_app.extensions["migrate"].directory)
    assert directory == package / "migrations"
    assert (directory / "env.py").is_file() and any((directory / "versions").glob("*.py"))
