"""One JSON log line per request (no names, no addresses), the request id in a header,
the Prometheus endpoint (off by default, then guarded), and Redis on /readyz."""

from __future__ import annotations

import json
import logging

import pytest

from tests.factories import PASSWORD, World
from timebank.ops import checks
from timebank.ops.observability import JsonFormatter

TOKEN = "a-long-scraper-token-0123456789"


def test_every_response_carries_a_request_id(client):
    first, second = client.get("/"), client.get("/")
    assert len(first.headers["X-Request-ID"]) == 32
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    given = client.get("/", headers={"X-Request-ID": "edge-1234.abc"})
    assert given.headers["X-Request-ID"] == "edge-1234.abc"
    odd = client.get("/", headers={"X-Request-ID": "<script>" + "x" * 100})
    assert odd.headers["X-Request-ID"] != "<script>" + "x" * 100


def test_one_json_line_per_request_without_personal_data(app, client, browser, caplog):
    world = World()
    email, name, slug = world.member.email, world.member.display_name, world.community.slug
    member_id = world.member.id
    browser.login(email, PASSWORD)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="timebank.requests"):
        response = client.get(f"/c/{slug}/", headers={"X-Request-ID": "trace-42"})
    lines = [r for r in caplog.records if r.name == "timebank.requests"]
    assert len(lines) == 1
    entry = json.loads(JsonFormatter().format(lines[0]))
    assert entry["method"] == "GET" and entry["route"] == "/c/<slug>/"
    assert entry["status"] == response.status_code == 200
    assert entry["request_id"] == "trace-42"
    assert entry["community"] == slug and entry["user_id"] == member_id
    assert isinstance(entry["duration_ms"], float)
    text = json.dumps(entry)
    assert email not in text and name not in text


def test_the_metrics_endpoint_is_off_by_default(client):
    assert client.get("/metrics").status_code == 404


@pytest.fixture
def metrics_app(app):
    app.config.update(METRICS_ENABLED=True, METRICS_TOKEN=TOKEN, METRICS_ALLOWED_IPS="")
    return app


def test_metrics_need_the_token_or_an_allowed_address(metrics_app, client, runner):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    client.get("/")
    assert runner.invoke(args=["verify-ledger"]).exit_code == 0
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'timebank_http_requests_total{method="GET",route="/",status="200"}' in body
    assert 'timebank_http_request_duration_seconds_bucket{le="0.1",method="GET",route="/"}' in body
    assert "timebank_ledger_verify_ok 1.0" in body
    assert "timebank_ledger_verify_timestamp_seconds" in body

    metrics_app.config.update(METRICS_TOKEN=None, METRICS_ALLOWED_IPS="10.0.0.0/8, 127.0.0.1")
    assert client.get("/metrics").status_code == 200
    metrics_app.config.update(METRICS_ALLOWED_IPS="10.0.0.0/8, not-an-address")
    assert client.get("/metrics").status_code == 403


def test_metrics_report_the_outbox_backlog(metrics_app, client):
    """Waiting and given-up mail are figures an operator alerts on."""
    from timebank.extensions import db
    from timebank.models import OutboxMessage
    from timebank.models.base import utcnow

    def message(**values) -> OutboxMessage:
        return OutboxMessage(to_address="a@example.org", subject="s", body="b", **values)

    db.session.add_all(
        [message(), message(), message(error="550 no such user"), message(sent_at=utcnow())]
    )
    db.session.commit()
    body = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(
        as_text=True
    )
    assert "timebank_outbox_waiting 2.0" in body
    assert "timebank_outbox_given_up 1.0" in body


def test_redis_unreachable_shows_on_readyz_and_warns_once_a_minute(app, client, caplog):
    app.config["RATELIMIT_STORAGE_URL"] = "redis://127.0.0.1:1/0"
    checks._last_redis_warning[0] = 0.0
    with caplog.at_level(logging.WARNING, logger="timebank.ops.checks"):
        first, second = client.get("/readyz"), client.get("/readyz")
    assert first.status_code == second.status_code == 503
    assert first.json["checks"]["redis"]["ok"] is False
    assert first.json["checks"]["database"]["ok"] is True
    warnings = [r for r in caplog.records if "redis unreachable" in r.getMessage()]
    assert len(warnings) == 1
    assert client.get("/healthz").status_code == 200


def test_readyz_says_when_the_schema_is_behind(app, client, monkeypatch):
    monkeypatch.setattr(checks, "migration_heads", lambda: frozenset({"9999"}))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["migrations"]["ok"] is False
    assert "head 9999" in response.json["checks"]["migrations"]["detail"]


def test_json_logs_are_switched_on_once_per_process():
    from flask import Flask

    from timebank.ops.observability import configure_logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    app = Flask("probe")
    app.config["LOG_FORMAT"] = "json"
    try:
        configure_logging(app)
        configure_logging(app)
        added = [h for h in root.handlers if h not in handlers]
        assert len(added) == 1 and isinstance(added[0].formatter, JsonFormatter)
        record = logging.LogRecord("timebank.x", logging.WARNING, __file__, 1, "hello", (), None)
        assert json.loads(added[0].formatter.format(record))["message"] == "hello"
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
