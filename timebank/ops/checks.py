"""What ``/readyz`` checks: the database answers, its schema is at the migrations' head,
and Redis answers when the installation uses it. Each check returns (ok, detail)."""

from __future__ import annotations

import logging
import time
from functools import cache
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, text

from timebank.extensions import db
from timebank.ops import breaker

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
REDIS_WARNING_INTERVAL = 60.0
_last_redis_warning = [0.0]


@cache
def migration_heads() -> frozenset[str]:
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


def current_revisions(connection) -> frozenset[str]:
    """The database's Alembic revisions (none before the first ``db upgrade``). Read
    directly: Alembic's migration context logs two lines each time it is made."""
    if not inspect(connection).has_table("alembic_version"):
        return frozenset()
    return frozenset(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def database() -> dict[str, tuple[bool, str]]:
    """The database answers a query; its revision is the code's head."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = current_revisions(connection)
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return {"database": (False, type(exc).__name__), "migrations": (False, "unknown")}
    breaker.close(db.engine)
    heads = migration_heads()
    at_head = current == heads
    detail = ",".join(sorted(current)) or "none"
    return {
        "database": (True, "ok"),
        "migrations": (
            at_head,
            detail if at_head else f"{detail} (head {','.join(sorted(heads))})",
        ),
    }


def redis_urls() -> list[str]:
    """The Redis servers this installation is configured to use."""
    candidates = [
        current_app.config.get("RATELIMIT_STORAGE_URL") or "",
        current_app.config.get("REDIS_URL") or "",
    ]
    return sorted({url for url in candidates if url.startswith(("redis://", "rediss://"))})


def redis() -> dict[str, tuple[bool, str]]:
    urls = redis_urls()
    if not urls:
        return {}
    import redis as redis_client

    for url in urls:
        client = redis_client.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        except redis_client.RedisError as exc:
            warn_redis_unreachable(exc)
            return {"redis": (False, type(exc).__name__)}
        finally:
            client.close()
    return {"redis": (True, "ok")}


def warn_redis_unreachable(exc: BaseException | str) -> None:
    """At most one warning a minute per process while Redis cannot be reached."""
    now = time.monotonic()
    if now - _last_redis_warning[0] < REDIS_WARNING_INTERVAL and _last_redis_warning[0]:
        return
    _last_redis_warning[0] = now
    log.warning("redis unreachable: %s", exc)


def readiness() -> dict[str, tuple[bool, str]]:
    return {**database(), **redis()}
