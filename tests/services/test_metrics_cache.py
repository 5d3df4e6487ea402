"""The metrics cache every process shares (Redis or the database): computed once per
community and period, never served stale after a posting, refreshed ahead of members."""

from __future__ import annotations

import contextlib
import os
from datetime import date

import pytest
from sqlalchemy import select

from tests.conftest import BASE_CONFIG
from tests.services.conftest import make_bank
from tests.services.metrics_data import build_town
from timebank import create_app
from timebank.database import reading
from timebank.extensions import db
from timebank.models import Community, MetricsStamp, MetricsSummary
from timebank.services.metrics import api as metrics
from timebank.services.metrics import compute, periods, store

Q4 = periods.quarter_of(date(2026, 11, 1))
REDIS_URL = os.environ.get("TIMEBANK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture(params=["database", "redis"])
def app_config(request):
    if request.param == "redis" and not _redis_up():
        pytest.skip("no Redis at " + REDIS_URL)
    return {"METRICS_CACHE_URL": "database" if request.param == "database" else REDIS_URL}


@pytest.fixture
def other_app(app, database_uri, app_config, tmp_path):
    """A second application on the same database: another worker or host. Entered with
    ``inside(other_app)``; this process's memo is forgotten on the way, as if it were
    another process."""
    second = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_uri, **app_config})
    second.instance_path = str(tmp_path / "other")
    yield second
    with second.app_context():
        db.engine.dispose()


@contextlib.contextmanager
def inside(application, community_id: int):
    """The community as ``application`` loads it (the test's own session is left alone)."""
    db.session.commit()
    metrics._memo.clear()
    with application.app_context():
        try:
            yield db.session.get(Community, community_id)
            db.session.commit()
        finally:
            db.session.remove()
    metrics._memo.clear()


@pytest.fixture
def bank(app):
    bank = make_bank()
    metrics.clear_cache()
    return bank


def _never_computed(*_args, **_kwargs):
    raise AssertionError("computed again instead of read from the shared cache")


def test_two_instances_share_one_computation(app, other_app, bank, monkeypatch):
    bank.post(bank.a, bank.b, 90)
    first = metrics.dashboard(bank.community, Q4)
    assert first.current.participation.minutes == 90
    monkeypatch.setattr(compute, "summarise", _never_computed)
    with inside(other_app, bank.community.id) as community:
        again = metrics.dashboard(community, Q4)
    assert again == first


def test_a_read_only_page_keeps_what_it_computed(app, other_app, bank, monkeypatch):
    """A GET request writes nothing of its own: the summary is kept all the same."""
    bank.post(bank.a, bank.b, 30)
    with reading(), inside(other_app, bank.community.id) as community:
        first = metrics.dashboard(community, Q4)
    monkeypatch.setattr(compute, "summarise", _never_computed)
    assert metrics.dashboard(bank.community, Q4) == first


def test_a_posting_in_another_instance_is_never_served_stale(app, other_app, bank):
    bank.post(bank.a, bank.b, 60)
    community_id = bank.community.id
    with inside(other_app, community_id) as community:
        assert metrics.dashboard(community, Q4).current.participation.exchanges == 1
    bank.post(bank.b, bank.c, 45)  # in this instance, after the other one cached Q4
    with inside(other_app, community_id) as community:
        seen = metrics.dashboard(community, Q4).current.participation
    assert (seen.exchanges, seen.minutes) == (2, 105)
    after = metrics.dashboard(bank.community, Q4).current.participation
    assert (after.exchanges, after.minutes) == (2, 105)


def test_each_posting_bumps_its_communitys_version_in_its_own_transaction(app, bank):
    def version(community):
        return db.session.scalar(
            select(MetricsStamp.version).where(MetricsStamp.community_id == community.id)
        )

    other = make_bank()
    bank.post(bank.a, bank.b)
    before = version(bank.community)
    bank.post(bank.a, bank.b)
    assert version(bank.community) == before + 1
    assert version(other.community) is None  # another community's cache stays valid
    stamp = metrics.ledger_state(bank.community.id)
    exchange = bank.record(bank.a, bank.b)
    db.session.rollback()  # a posting rolled back leaves no trace
    assert version(bank.community) == before + 1
    from timebank.services.exchanges import lifecycle

    lifecycle.confirm(exchange, actor=bank.b.user)
    db.session.commit()
    assert metrics.ledger_state(bank.community.id) != stamp


def test_refresh_computes_what_is_missing_or_stale_once(app, bank, runner, monkeypatch):
    today = date(2026, 11, 20)
    monkeypatch.setattr(metrics, "utcnow", lambda: __import__("datetime").datetime(2026, 11, 20))
    assert metrics.refresh(today=today) == 5  # 3 quarters and 2 months of one community
    db.session.commit()
    assert metrics.refresh(today=today) == 0
    bank.post(bank.a, bank.b)
    result = runner.invoke(args=["metrics", "refresh", "--community", str(bank.community.id)])
    assert result.exit_code == 0, result.output
    assert "5 summaries computed." in result.output
    monkeypatch.setattr(compute, "summarise", _never_computed)
    assert metrics.dashboard(bank.community, Q4).current.participation.exchanges == 1


def test_summary_survives_the_round_trip_through_json(app):
    town = build_town()
    q1 = metrics.summary(town.community, periods.parse("2026-Q1"))
    assert store.decode(store.encode(q1)) == q1


@pytest.mark.parametrize("app_config", [{"METRICS_CACHE_URL": "database"}], ids=["database"])
def test_an_unreadable_entry_is_computed_again(app, bank):
    """The database store only: the row is edited in place."""
    bank.post(bank.a, bank.b)
    metrics.dashboard(bank.community, Q4)
    db.session.commit()
    row = db.session.get(MetricsSummary, (bank.community.id, Q4.label))
    row.payload = '{"period": ["quarter"]}'
    db.session.commit()
    metrics._memo.clear()
    assert metrics.dashboard(bank.community, Q4).current.participation.exchanges == 1
