# ruff: noqa: F811 (the outage fixtures are imported from test_outage.py)
"""The database circuit breaker (timebank/ops/breaker.py): once a connection cannot be
opened, every page is the translated 503 without trying the database again until the
breaker's time is up; then one probe, and the site serves again by itself. SQLite and
PostgreSQL (the outages of test_outage.py: a folder for the file, a relay cut)."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, OperationalError

from tests.factories import PASSWORD, World
from tests.ops.test_outage import TITLES, app_config, outage, relay  # noqa: F401
from timebank.extensions import db
from timebank.ops import breaker


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(breaker, "_clock", clock)
    return clock


@pytest.fixture
def connects(app):
    """How many times the app tried to open a database connection."""
    count = [0]

    def counted(*_args) -> None:
        count[0] += 1

    event.listen(db.engine, "do_connect", counted)
    yield count
    event.remove(db.engine, "do_connect", counted)


def test_every_page_is_a_503_until_a_probe_finds_the_database(
    app,
    browser,
    outage,
    clock,
    connects,
):
    world = World()
    assert browser.login(world.member.email, PASSWORD).status_code == 302
    anonymous = app.test_client()
    db.session.commit()
    assert anonymous.get("/auth/login").status_code == 200
    outage.begin()
    try:
        assert anonymous.get("/").status_code == 503  # this one tries, fails, trips
        assert breaker.is_down(db.engine)
        tried = connects[0]
        for language in ("ar", "en"):
            page = anonymous.get("/auth/login", headers={"Accept-Language": language})
            assert page.status_code == 503
            assert page.headers["Retry-After"] == "30"
            assert TITLES[language] in page.get_data(as_text=True)
        assert browser.client.get("/account/").status_code == 503
        assert anonymous.get("/healthz").status_code == 200
        assert connects[0] == tried  # no connection tried while the breaker is open
        clock.now += breaker.DOWN_SECONDS
        assert anonymous.get("/auth/login").status_code == 503  # the probe fails
        assert connects[0] > tried and breaker.is_down(db.engine)
    finally:
        outage.end()
    assert anonymous.get("/auth/login").status_code == 503  # not yet time to probe
    clock.now += breaker.DOWN_SECONDS
    page = anonymous.get("/auth/login", headers={"Accept-Language": "ar"})
    assert page.status_code == 200 and not breaker.is_down(db.engine)
    account = browser.client.get("/account/")
    assert account.status_code == 200 and "Log out" in account.get_data(as_text=True)


def test_readyz_closes_the_breaker(app, client, outage, clock):
    World()
    db.session.commit()
    outage.begin()
    try:
        assert client.get("/").status_code == 503
        assert client.get("/readyz").status_code == 503
        assert breaker.is_down(db.engine)
    finally:
        outage.end()
    assert client.get("/readyz").status_code == 200
    assert not breaker.is_down(db.engine)
    assert client.get("/auth/login").status_code == 200


def test_an_error_on_an_open_connection_does_not_trip_it(app, client):
    """A lock timeout, a deadlock or a bad statement is not an outage."""
    with pytest.raises(DBAPIError), db.engine.connect() as connection:
        connection.exec_driver_sql("SELECT * FROM no_such_table")
    if db.engine.dialect.name == "postgresql":  # a statement timeout: an OperationalError
        with pytest.raises(OperationalError), db.engine.begin() as connection:
            connection.exec_driver_sql("SET LOCAL statement_timeout = 1")
            connection.exec_driver_sql("SELECT pg_sleep(1)")
    assert not breaker.is_down(db.engine)
    assert client.get("/auth/login").status_code == 200


def test_a_connection_lost_after_the_answer_costs_the_connection_not_the_answer(
    app, monkeypatch, caplog
):
    """The soak test found it: the database went away between a read and the rollback
    that ends the request, and the finished answer became a 500."""
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    def read():
        return str(db.session.execute(text("SELECT 1")).scalar_one())

    app.add_url_rule("/read-one", "read_one", read)
    real_close = Session.close
    calls = []

    def close(self):
        calls.append(self)
        if len(calls) == 1:
            raise OperationalError(
                "ROLLBACK", {}, Exception("server closed the connection unexpectedly")
            )
        real_close(self)

    monkeypatch.setattr(Session, "close", close)
    response = app.test_client().get("/read-one")
    assert response.status_code == 200 and response.get_data(as_text=True) == "1"
    assert "connection lost at the end of a request" in caplog.text
    monkeypatch.setattr(Session, "close", real_close)
    assert app.test_client().get("/read-one").status_code == 200
