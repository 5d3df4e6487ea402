"""A circuit breaker for database outages. When a connection to the database cannot be
opened, the database is marked down for ``DOWN_SECONDS``: every request (except the
probes and static files) is answered the translated 503 with ``Retry-After`` at once,
without waiting on a connection, so the sign-in form is a 503 like the pages that read
the database. When the time is up, the next request tries one ``SELECT 1``: if it
answers, the site serves again; if not, the database stays down for another period.
``/readyz`` finding the database closes the breaker too.

Only a failure to *connect* trips it (not a deadlock, a lock timeout or a stale pooled
connection that pre-ping replaces): that is what an outage looks like. The state is per
engine (each application, each process) and costs one dictionary look-up per request.

A connection lost after a request's answer was made (the closing rollback fails) is logged
and dropped, so the answer still goes out (found by ``benchmarks/soak.py``)."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import weakref
from typing import Any

from flask import Flask, request
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from timebank.extensions import db

DOWN_SECONDS = 5.0
_EXEMPT_ENDPOINTS = {"ops.healthz", "ops.readyz", "ops.metrics", "static"}

# engine -> monotonic time until which the database is taken to be down
_down_until: weakref.WeakKeyDictionary[Engine, float] = weakref.WeakKeyDictionary()
_probing = threading.Lock()


def _clock() -> float:
    return time.monotonic()


def trip(engine: Engine) -> None:
    """Mark ``engine``'s database down for the next ``DOWN_SECONDS``."""
    _down_until[engine] = _clock() + DOWN_SECONDS


def close(engine: Engine) -> None:
    """The database answers again."""
    _down_until.pop(engine, None)


def is_down(engine: Engine) -> bool:
    return engine in _down_until


@event.listens_for(Engine, "handle_error")
def _on_error(context: Any) -> None:
    """A connection that could not be opened (``context.connection`` is None outside a
    pre-ping) trips the breaker; the error itself goes on as before."""
    if context.connection is not None or context.is_pre_ping or context.engine is None:
        return
    from timebank.errors import outage_of

    if outage_of(context.sqlalchemy_exception or context.original_exception) == "database":
        trip(context.engine)


def _probe(engine: Engine) -> bool:
    """One cheap query; a failure to connect trips the breaker again (``_on_error``)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure: still down
        trip(engine)
        return False
    close(engine)
    return True


def _check():
    """Before every request: the 503 while the database is known to be down."""
    if not _down_until or request.endpoint in _EXEMPT_ENDPOINTS:
        return None
    engine = db.engine
    until = _down_until.get(engine)
    if until is None:
        return None
    from timebank import errors

    if errors._unknown_host():
        return None  # its own plain page, which needs no database
    if _clock() >= until and _probing.acquire(blocking=False):
        try:
            if _probe(engine):
                return None
        finally:
            _probing.release()
    return errors.unavailable("database")


def _end_session(_exc: BaseException | None) -> None:
    """Close the request's session before Flask-SQLAlchemy's teardown does, so that a
    connection lost after the answer was made (the rollback that ends the request fails)
    costs the connection, not a 500 in place of the answer."""
    if not db.session.registry.has():
        return
    try:
        db.session.remove()
    except Exception as exc:
        from timebank.errors import outage_of

        if outage_of(exc) != "database":
            raise
        logging.getLogger(__name__).warning("database connection lost at the end of a request")
        with contextlib.suppress(Exception):
            db.session.registry().invalidate()
        db.session.registry.clear()


def init_app(app: Flask) -> None:
    """Run right after the request id is given (observability) and an unknown host is
    refused (errors), before any hook that may load the signed-in user."""
    hooks = app.before_request_funcs.setdefault(None, [])
    from timebank.ops.observability import _start

    position = hooks.index(_start) + 1 if _start in hooks else 0
    hooks.insert(position, _check)
    # Teardowns run last-registered first: this one before Flask-SQLAlchemy's.
    app.teardown_appcontext(_end_session)
