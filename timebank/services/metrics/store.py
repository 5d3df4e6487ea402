"""Where computed summaries are kept for every process and host: Redis when
``METRICS_CACHE_URL`` (or else the rate limits' ``RATELIMIT_STORAGE_URL``) names one, the
``metrics_summaries`` table otherwise. Each entry carries the stamp it was computed at and
is served only while that stamp is current. A cache never breaks a page: if the store
cannot be read or written, the summary is simply computed."""

from __future__ import annotations

import dataclasses
import json
import logging
import types
import typing
from datetime import date, datetime
from functools import cache
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from timebank.database import read_only
from timebank.extensions import db
from timebank.models import MetricsSummary, utcnow
from timebank.services.metrics.periods import Period
from timebank.services.metrics.results import Summary

log = logging.getLogger(__name__)
REDIS_PREFIX = "timebank:metrics:"
REDIS_TTL_SECONDS = 40 * 24 * 3600


# --- JSON, both ways --------------------------------------------------------------------


def encode(summary: Summary) -> str:
    data = dataclasses.asdict(summary)
    data["period"] = [
        summary.period.kind,
        summary.period.start.isoformat(),
        summary.period.end.isoformat(),
    ]
    return json.dumps(data, separators=(",", ":"))


def decode(text: str) -> Summary:
    data = json.loads(text)
    kind, start, end = data.pop("period")
    period = Period(kind, date.fromisoformat(start), date.fromisoformat(end))
    return Summary(period=period, **{k: _value(_hints(Summary)[k], v) for k, v in data.items()})


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _value(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    if dataclasses.is_dataclass(kind):
        hints = _hints(kind)  # type: ignore[arg-type]
        return kind(**{k: _value(hints[k], v) for k, v in value.items()})  # type: ignore[operator]
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_value(args[0], item) for item in value)
        return tuple(_value(a, item) for a, item in zip(args, value, strict=True))
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _value(inner[0], value)
    if kind is float:
        return float(value)
    return value


# --- the two stores ---------------------------------------------------------------------


class Store(Protocol):
    def get(self, community_id: int, label: str) -> tuple[str, str] | None: ...
    def put(self, community_id: int, label: str, stamp: str, payload: str) -> None: ...
    def clear(self) -> None: ...


class DatabaseStore:
    """The ``metrics_summaries`` table. Inside a write transaction (a command, a job) the
    row is written with it; a page that only reads writes it on a connection of its own,
    which gives up rather than wait on a lock for long."""

    def __init__(self) -> None:
        self.cleared_at: datetime | None = None

    def get(self, community_id: int, label: str) -> tuple[str, str] | None:
        query = select(MetricsSummary.stamp, MetricsSummary.payload).where(
            MetricsSummary.community_id == community_id, MetricsSummary.period == label
        )
        if self.cleared_at is not None:  # not even from a snapshot older than the clearing
            query = query.where(MetricsSummary.computed_at > self.cleared_at)
        row = db.session.execute(query).first()
        return (row.stamp, row.payload) if row else None

    def put(self, community_id: int, label: str, stamp: str, payload: str) -> None:
        engine = db.engine
        postgres = engine.dialect.name == "postgresql"
        insert: Any = pg_insert if postgres else sqlite_insert
        values = {
            "community_id": community_id,
            "period": label,
            "stamp": stamp,
            "payload": payload,
            "computed_at": utcnow(),
        }
        statement = insert(MetricsSummary.__table__).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=["community_id", "period"],
            set_={k: statement.excluded[k] for k in ("stamp", "payload", "computed_at")},
        )
        if not read_only.get():
            db.session.execute(statement)
            return
        try:
            with engine.connect() as conn:
                _write_briefly(conn, statement, postgres)
        except SQLAlchemyError as error:
            log.warning("metrics cache not written: %s", error)

    def clear(self) -> None:
        """Forget every summary (benchmarks, tests): at once in this process, and in the
        table unless a transaction holds the database."""
        self.cleared_at = utcnow()
        try:
            with db.engine.connect() as conn:
                _write_briefly(conn, delete(MetricsSummary), db.engine.dialect.name == "postgresql")
        except SQLAlchemyError as error:
            log.warning("metrics cache not cleared: %s", error)


def _write_briefly(conn, statement, postgres: bool) -> None:
    """One statement in a transaction of its own that waits at most half a second for a
    lock (another writer, or this very request's transaction) and then gives up."""
    if postgres:
        conn.exec_driver_sql("SET LOCAL lock_timeout = '500ms'")  # ends with the transaction
        conn.execute(statement)
        conn.commit()
        return
    conn.exec_driver_sql("PRAGMA busy_timeout = 500")
    try:
        conn.execute(statement)
        conn.commit()
    finally:
        conn.rollback()
        busy = int(current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", 10_000))
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {busy}")
        conn.commit()


class RedisStore:
    """One key per community and period, with the stamp beside the payload."""

    def __init__(self, url: str) -> None:
        import redis  # the ``redis`` extra, only when configured

        self.client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self.prefix = REDIS_PREFIX + _namespace() + ":"

    def get(self, community_id: int, label: str) -> tuple[str, str] | None:
        try:
            raw = self.client.get(f"{self.prefix}{community_id}:{label}")
        except Exception as error:  # noqa: BLE001 - a cache never breaks a page
            log.warning("metrics cache not read: %s", error)
            return None
        if not raw:
            return None
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        stamp, _, payload = text.partition("\n")
        return stamp, payload

    def put(self, community_id: int, label: str, stamp: str, payload: str) -> None:
        key = f"{self.prefix}{community_id}:{label}"
        try:
            self.client.set(key, f"{stamp}\n{payload}", ex=REDIS_TTL_SECONDS)
        except Exception as error:  # noqa: BLE001
            log.warning("metrics cache not written: %s", error)

    def clear(self) -> None:
        for key in self.client.scan_iter(match=self.prefix + "*", count=500):
            self.client.delete(key)


def _namespace() -> str:
    """Several installations (or test databases) may share one Redis: keys are kept apart
    by the database they describe."""
    import hashlib

    uri = str(current_app.config.get("SQLALCHEMY_DATABASE_URI", ""))
    return hashlib.sha256(uri.encode()).hexdigest()[:12]


def url() -> str | None:
    """The Redis URL summaries are kept at, or ``None`` for the database."""
    configured = current_app.config.get("METRICS_CACHE_URL")
    if configured:
        return None if configured == "database" else configured
    limits = str(current_app.config.get("RATELIMIT_STORAGE_URL") or "")
    return limits if limits.startswith(("redis://", "rediss://", "unix://")) else None


def current() -> Store:
    """The application's store (made once per application)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = app.extensions.get("metrics_store")
    if store is None:
        where = url()
        store = RedisStore(where) if where else DatabaseStore()
        app.extensions["metrics_store"] = store
    return store
