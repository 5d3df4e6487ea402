"""Engine set-up and the one way a request changes data: ``transaction()``.

SQLite gets WAL, ``synchronous=FULL``, ``foreign_keys=ON``, a busy timeout, a helper
thread for large sorts, and ``BEGIN IMMEDIATE`` for write transactions (DESIGN.md §4), so
concurrent writers queue instead of failing with "database is locked". Conflicts that a
retry can resolve (SQLite busy, PostgreSQL serialization failure or deadlock) are retried
a bounded number of times.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import random
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

from flask import current_app
from sqlalchemy import event, text
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.sql.dml import UpdateBase

from timebank.extensions import db
from timebank.services.exceptions import Conflict
from timebank.services.messaging import mail
from timebank.services.webhooks import deliveries as webhook_deliveries

log = logging.getLogger(__name__)
T = TypeVar("T")

# True while serving a request that must not write (GET/HEAD): its SQLite transactions
# begin DEFERRED so readers do not queue behind writers.
read_only: contextvars.ContextVar[bool] = contextvars.ContextVar("read_only", default=False)

RETRY_ATTEMPTS = 6
# Jobs (name, arguments) a transaction asks for, handed to the runner after its commit.
JOBS_AFTER_COMMIT = "timebank.jobs_after_commit"
_PG_RETRYABLE = {"40001", "40P01"}


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Pragmas on every new connection; explicit BEGIN so pysqlite does not defer it."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Large sorts (the metrics' GROUP BYs over a period's exchanges) may use a helper
        # thread; small ones, and every write, are unaffected.
        cursor.execute("PRAGMA threads = 2")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN" if read_only.get() else "BEGIN IMMEDIATE")


@contextlib.contextmanager
def reading() -> Iterator[None]:
    """Outside a request (a command, a job, a benchmark), run work that mostly reads as a GET
    request does: its SQLite transactions begin DEFERRED, so computing the metrics or a
    report never holds the write lock; a final write (an audit event) takes it at commit."""
    token = read_only.set(True)
    try:
        yield
    finally:
        read_only.reset(token)


def changed(statement: UpdateBase, params: dict[str, Any] | None = None) -> int:
    """Execute an UPDATE or DELETE in the current transaction; the number of rows it
    changed (a compare-and-set succeeded when it is 1)."""
    return cast("CursorResult[Any]", db.session.execute(statement, params)).rowcount


def after_commit(name: str, *args: Any) -> None:
    """Run job ``name`` once the current transaction has committed (queued, or in this
    process); forgotten if it rolls back."""
    db.session.info.setdefault(JOBS_AFTER_COMMIT, []).append((name, args))


def reachable() -> bool:
    """Whether the database answers a trivial statement (the health probe); leaves no
    transaction open either way."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    finally:
        db.session.rollback()
    return True


def is_retryable(exc: DBAPIError) -> bool:
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in _PG_RETRYABLE:
        return True
    message = str(orig).lower()
    return "database is locked" in message or "database is busy" in message


def transaction(work: Callable[[], T], *, attempts: int = RETRY_ATTEMPTS) -> T:
    """Run ``work`` and commit once; retry on a transient conflict, else roll back. After
    a commit that wrote mail, deliver it: the one place mail leaves (never before the data
    it speaks of is committed, never from a route).

    Raises ``Conflict`` (a friendly, translated "try again") when retries run out."""
    for attempt in range(1, attempts + 1):
        try:
            result = work()
            db.session.commit()
        except DBAPIError as exc:
            _rollback()
            if not is_retryable(exc):
                raise
            log.warning("database conflict, attempt %d of %d", attempt, attempts)
            if attempt == attempts:
                raise Conflict() from exc
            time.sleep(random.uniform(0.005, 0.02) * attempt)
        except BaseException:
            _rollback()
            raise
        else:
            if db.session.info.pop(mail.PENDING, False):
                mail.deliver_pending()
            if webhook_deliveries.forget_pending():
                webhook_deliveries.deliver_pending()
            for name, args in db.session.info.pop(JOBS_AFTER_COMMIT, []):
                current_app.extensions[mail.DISPATCH](name, *args)
            return result
    raise AssertionError("unreachable")


def _rollback() -> None:
    """Roll back, forgetting the mail the failed work had queued."""
    db.session.rollback()
    db.session.info.pop(mail.PENDING, None)
    db.session.info.pop(JOBS_AFTER_COMMIT, None)
    webhook_deliveries.forget_pending()
