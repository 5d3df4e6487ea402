"""The database layer: SQLite pragmas and IMMEDIATE write transactions, retries of
transient conflicts, and the append-only audit trail on both engines."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from tests.conftest import BASE_CONFIG, PG_URL, IsolatedClient
from timebank import create_app, database
from timebank.extensions import db
from timebank.models import AuditEvent, Community
from timebank.services import audit
from timebank.services.exceptions import Conflict


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on its own SQLite file (these rules are SQLite's, so they are checked on
    every run, whichever engine the rest of the suite uses)."""
    path = tmp_path / "pragmas.sqlite3"
    app = create_app(
        {
            **BASE_CONFIG,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SQLITE_BUSY_TIMEOUT_MS": 50,
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
        yield app
        db.session.remove()
        db.engine.dispose()


def _other_connection(app: Flask) -> sqlite3.Connection:
    """A second writer outside SQLAlchemy, as another worker process would be."""
    path = db.engine.url.database
    return sqlite3.connect(path, timeout=0, isolation_level=None)


def test_sqlite_pragmas_on_every_connection(sqlite_app):
    """Every pooled connection has foreign keys, WAL, synchronous FULL and a busy timeout."""
    token = database.read_only.set(True)  # several readers at once: no write lock
    connections = [db.engine.connect() for _ in range(3)]
    try:
        for conn in connections:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 50
            assert conn.exec_driver_sql("PRAGMA threads").scalar() == 2
    finally:
        for conn in connections:
            conn.close()
        database.read_only.reset(token)


def test_write_transaction_begins_immediate(sqlite_app):
    """A service transaction takes the write lock at BEGIN: another writer must wait."""
    db.session.execute(text("SELECT 1"))  # the session's transaction has begun
    other = _other_connection(sqlite_app)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        db.session.rollback()
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_read_only_request_begins_deferred(sqlite_app):
    """A GET request's transaction does not block writers (it begins DEFERRED)."""
    token = database.read_only.set(True)
    try:
        db.session.execute(text("SELECT 1"))
        other = _other_connection(sqlite_app)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO notes (body) VALUES ('written meanwhile')")
        other.execute("COMMIT")
        other.close()
    finally:
        db.session.rollback()
        database.read_only.reset(token)


def test_transaction_retries_a_real_lock_then_gives_up(sqlite_app):
    """Under another writer's lock, ``transaction`` retries, then raises ``Conflict``."""
    other = _other_connection(sqlite_app)
    other.execute("BEGIN IMMEDIATE")
    attempts = []

    def work():
        attempts.append(1)
        db.session.execute(text("INSERT INTO notes (body) VALUES ('mine')"))

    try:
        with pytest.raises(Conflict):
            database.transaction(work, attempts=3)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert len(attempts) <= 3
    assert db.session.execute(text("SELECT count(*) FROM notes")).scalar() == 0
    database.transaction(work)  # the lock is gone: the same work now succeeds
    assert db.session.execute(text("SELECT count(*) FROM notes")).scalar() == 1


class _PgError(Exception):
    def __init__(self, sqlstate: str):
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    "orig",
    [
        sqlite3.OperationalError("database is locked"),
        _PgError("40001"),  # serialization_failure
        _PgError("40P01"),  # deadlock_detected
    ],
    ids=["sqlite-locked", "pg-serialization", "pg-deadlock"],
)
def test_transaction_retries_a_transient_conflict(app, orig):
    """A conflict that a retry can resolve is retried; the work then commits once."""
    calls = []

    def work():
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("INSERT ...", {}, orig)
        return "done"

    assert database.transaction(work) == "done"
    assert len(calls) == 3


def test_transaction_gives_up_with_conflict(app):
    """When retries run out, ``Conflict`` is raised (never the raw database error)."""
    calls = []

    def work():
        calls.append(1)
        raise OperationalError("UPDATE ...", {}, _PgError("40001"))

    with pytest.raises(Conflict):
        database.transaction(work, attempts=4)
    assert len(calls) == 4


def test_transaction_does_not_retry_other_errors(app):
    """An integrity error is a real problem: no retry, rolled back, raised as is."""
    calls = []

    def work():
        calls.append(1)
        db.session.add(Community(slug="twin", name="One"))
        db.session.flush()
        db.session.add(Community(slug="twin", name="Two"))
        db.session.flush()

    with pytest.raises(IntegrityError):
        database.transaction(work)
    assert len(calls) == 1
    assert db.session.scalar(select(sa.func.count()).select_from(Community)) == 0


def test_conflict_gives_a_translated_503_page(app):
    """A request whose retries run out gets the translated "busy" page, not a 500."""

    def busy():
        def work():
            raise OperationalError("UPDATE ...", {}, sqlite3.OperationalError("database is locked"))

        return database.transaction(work, attempts=2)

    busy._timebank_access = "public"
    app.add_url_rule("/test-only/busy", "busy", busy)
    response = app.test_client().get("/test-only/busy")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "<h1>The service is busy</h1>" in page
    assert "Nothing was changed; please try again." in page
    assert "Traceback" not in page


def _an_event() -> int:
    event = audit.record("test.event", actor=None, details={"n": 1})
    db.session.commit()
    return event.id


def test_audit_events_cannot_be_updated(app):
    """The database refuses UPDATE on audit_events (trigger), on both engines."""
    event_id = _an_event()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(
            update(AuditEvent).where(AuditEvent.id == event_id).values(action="forged")
        )
    db.session.rollback()
    assert db.session.get(AuditEvent, event_id).action == "test.event"


def test_audit_events_cannot_be_deleted(app):
    """The database refuses DELETE on audit_events (trigger), on both engines."""
    event_id = _an_event()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(delete(AuditEvent).where(AuditEvent.id == event_id))
    db.session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM audit_events"))
    db.session.rollback()
    assert db.session.get(AuditEvent, event_id) is not None


def test_audit_events_cannot_be_truncated_on_postgresql(app):
    """On PostgreSQL TRUNCATE is refused as well (SQLite has no TRUNCATE)."""
    _an_event()
    if not PG_URL:
        assert db.engine.dialect.name == "sqlite"
        return
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("TRUNCATE audit_events"))
    db.session.rollback()
    assert db.session.scalar(select(sa.func.count()).select_from(AuditEvent)) == 1
