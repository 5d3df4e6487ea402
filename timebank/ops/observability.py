"""One JSON line per request (method, route, status, duration, request id, community,
user id: never a name, an address or a query string), the request id in ``X-Request-ID``,
and the Prometheus figures: request counts and latency per route, and the last
``verify-ledger`` run (a small file in the instance folder, written by the command)."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import inspect
from werkzeug.wrappers import Response

from timebank.extensions import db, limiter

requests_log = logging.getLogger("timebank.requests")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_QUIET_ENDPOINTS = {"ops.healthz", "ops.readyz", "ops.metrics", "static"}
LEDGER_STATUS_FILE = "verify-ledger.json"

REQUESTS = Counter(
    "timebank_http_requests_total", "Requests answered", ["method", "route", "status"]
)
LATENCY = Histogram(
    "timebank_http_request_duration_seconds",
    "Time to answer a request",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object: time, level, logger, message and any ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(app: Flask) -> None:
    """``LOG_FORMAT = "json"``: every log line (the request lines at INFO) as JSON on
    standard error, once per process (not under tests, whose log capture it would change)."""
    if app.config.get("LOG_FORMAT") != "json" or app.testing:
        return
    root = logging.getLogger()
    if any(getattr(h, "timebank_json", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.timebank_json = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def _start() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()
    if getattr(limiter, "_storage_dead", False):
        from timebank.ops.checks import warn_redis_unreachable

        warn_redis_unreachable("rate limits are counted in this process's memory")


def _user_id() -> int | None:
    """The signed-in user's id if this request already loaded them (never loads one)."""
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        identity = inspect(user).identity
    except Exception:  # noqa: BLE001 - not a mapped user
        return None
    return int(identity[0]) if identity else None


def _finish(response: Response) -> Response:
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-ID"] = request_id
    started = g.get("request_started")
    duration = time.perf_counter() - started if started is not None else 0.0
    route = request.url_rule.rule if request.url_rule else "<unmatched>"
    REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    LATENCY.labels(request.method, route).observe(duration)
    if request.endpoint in _QUIET_ENDPOINTS:
        return response
    requests_log.info(
        "%s %s %s",
        request.method,
        route,
        response.status_code,
        extra={
            "fields": {
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(duration * 1000, 1),
                "request_id": request_id,
                "community": (request.view_args or {}).get("slug"),
                "user_id": _user_id(),
            }
        },
    )
    return response


def init_app(app: Flask) -> None:
    configure_logging(app)
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)


def record_ledger_verification(ok: bool, communities: int, problems: int) -> None:
    """Written by ``verify-ledger`` for the metrics endpoint (any process may scrape it).
    An instance folder that cannot be written costs the figure, never the check."""
    folder = Path(current_app.instance_path)
    partial = folder / f".{LEDGER_STATUS_FILE}.{os.getpid()}"
    status = {"time": time.time(), "ok": ok, "communities": communities, "problems": problems}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(status))
        os.replace(partial, folder / LEDGER_STATUS_FILE)
    except OSError as exc:
        logging.getLogger(__name__).warning("could not record the ledger check: %s", exc)


def _ledger_families() -> list[GaugeMetricFamily]:
    path = Path(current_app.instance_path) / LEDGER_STATUS_FILE
    try:
        status = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    return [
        GaugeMetricFamily(
            "timebank_ledger_verify_ok", "1 if the last verify-ledger found no problem",
            value=1 if status.get("ok") else 0,
        ),
        GaugeMetricFamily(
            "timebank_ledger_verify_timestamp_seconds", "When verify-ledger last ran",
            value=float(status.get("time", 0)),
        ),
        GaugeMetricFamily(
            "timebank_ledger_verify_problem_communities",
            "Communities with problems at the last verify-ledger",
            value=int(status.get("problems", 0)),
        ),
    ]  # fmt: skip


def _work_families() -> list[GaugeMetricFamily]:
    """The outbox's backlog and, with a Redis queue, its depth and failed jobs. A figure
    that cannot be read (the database or Redis away) is left out, never an error."""
    from timebank.jobs import runner
    from timebank.services.messaging import mail

    families = []
    try:
        waiting, given_up = mail.backlog()
        families += [
            GaugeMetricFamily("timebank_outbox_waiting", "Mail not sent yet", value=waiting),
            GaugeMetricFamily(
                "timebank_outbox_given_up", "Mail given up after its last attempt", value=given_up
            ),
        ]
    except Exception as exc:  # noqa: BLE001 - a scrape never fails on one figure
        logging.getLogger(__name__).warning("outbox backlog unavailable: %s", exc)
    finally:
        db.session.rollback()
    try:
        if runner.redis() is not None:
            queue = runner.queue()
            families += [
                GaugeMetricFamily("timebank_jobs_queued", "Jobs waiting on the queue",
                                  value=queue.count),
                GaugeMetricFamily("timebank_jobs_failed", "Jobs in the failed registry",
                                  value=queue.failed_job_registry.count),
            ]  # fmt: skip
    except Exception as exc:  # noqa: BLE001
        logging.getLogger(__name__).warning("job queue figures unavailable: %s", exc)
    return families


class _LedgerCollector:
    def __init__(self, families: list[GaugeMetricFamily]) -> None:
        self.families = families

    def collect(self):
        return iter(self.families)


def exposition() -> tuple[bytes, str]:
    """The text format Prometheus scrapes: this process's figures (or every gunicorn
    worker's, with ``PROMETHEUS_MULTIPROC_DIR``) and the last ledger verification."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    ledger = CollectorRegistry()
    ledger.register(_LedgerCollector(_ledger_families() + _work_families()))
    return body + generate_latest(ledger), CONTENT_TYPE_LATEST
