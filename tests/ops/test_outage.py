"""The database goes away: every page is a translated 503 with Retry-After, rendered
without the database (a signed-in visitor too), one log line per request and no
traceback; /healthz still answers, /readyz says why not; and the site recovers.

SQLite: the database file is replaced by a folder, so no connection can open it.
PostgreSQL: the app reaches the server through a TCP relay the test runs on its own port;
stopping the relay refuses new connections and cuts the open ones, as a stopped server
does (cheaper and steadier on a shared machine than a cluster started with pg_ctl)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from benchmarks.faults import Relay  # the fault suite's relay, cut to stop PostgreSQL
from tests.conftest import PG_URL, Browser
from tests.factories import PASSWORD, World
from timebank.extensions import db


class SqliteOutage:
    def __init__(self, uri: str) -> None:
        self.path = Path(uri.removeprefix("sqlite:///"))

    def begin(self) -> None:
        db.session.remove()
        db.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            name = Path(f"{self.path}{suffix}")
            if name.exists():
                os.replace(name, f"{name}.away")
        self.path.mkdir()  # a folder where the file was: "unable to open database file"

    def end(self) -> None:
        self.path.rmdir()
        for suffix in ("", "-wal", "-shm"):
            away = Path(f"{self.path}{suffix}.away")
            if away.exists():
                os.replace(away, f"{self.path}{suffix}")


class PostgresOutage:
    def __init__(self, relay: Relay) -> None:
        self.relay = relay

    def begin(self) -> None:
        self.relay.stop()

    def end(self) -> None:
        self.relay.start()


@pytest.fixture
def relay():
    if not PG_URL:
        yield None
        return
    url = sa.engine.make_url(PG_URL)
    relay = Relay(url.host or "127.0.0.1", url.port or 5432)
    relay.start()
    yield relay
    relay.stop()


@pytest.fixture
def app_config(database_uri, relay):
    if relay is None:
        return {}
    url = sa.engine.make_url(database_uri).set(host="127.0.0.1", port=relay.port)
    return {
        "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "connect_args": {"connect_timeout": 2},
        },
    }


@pytest.fixture
def outage(app, relay, database_uri):
    return PostgresOutage(relay) if relay is not None else SqliteOutage(database_uri)


TITLES = {"en": "The time bank is briefly unavailable", "ar": "بنك الوقت غير متاح لبعض الوقت"}


def test_pages_answer_a_translated_503_while_the_database_is_down(
    app, client, browser, outage, caplog
):
    world = World()
    assert browser.login(world.member.email, PASSWORD).status_code == 302
    anonymous = app.test_client()
    slug = world.community.slug
    token = Browser(anonymous).token()
    db.session.commit()
    outage.begin()
    try:
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            for who, path, language in (
                (anonymous, "/", "en"),
                (anonymous, "/", "ar"),
                (client, "/account/", "en"),  # signed in: the user cannot be loaded
                (client, f"/c/{slug}/", "en"),
                (anonymous, "/auth/login", "ar"),  # needs no database, but it is down
                (anonymous, "/auth/login", "en"),
            ):
                response = who.get(path, headers={"Accept-Language": language})
                page = response.get_data(as_text=True)
                assert response.status_code == 503, (path, page[:300])
                assert response.headers["Retry-After"] == "30"
                assert TITLES[language if who is anonymous else "en"] in page
                assert "Internal Server Error" not in page
            posted = anonymous.post(
                "/auth/login",
                data={"csrf_token": token, "email": "someone@example.org", "password": PASSWORD},
            )
            assert posted.status_code == 503
        lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
        outage_lines = [r for r in lines if "database unavailable" in r.getMessage()]
        assert len(outage_lines) == 7, [r.getMessage() for r in lines]
        assert not any(r.exc_info for r in lines)

        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json["checks"]["database"]["ok"] is False
    finally:
        outage.end()

    assert client.get("/readyz").status_code == 200
    recovered = client.get("/account/")
    assert recovered.status_code == 200
    assert "Log out" in recovered.get_data(as_text=True)  # still signed in
    assert app.test_client().get("/", headers={"Accept-Language": "ar"}).status_code == 200


def test_redis_unreachable_where_a_page_needs_it_is_a_503_too(app, caplog):
    from redis.exceptions import ConnectionError as RedisConnectionError

    def needs_redis():
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    app.add_url_rule("/needs-redis", "needs_redis", needs_redis)
    with caplog.at_level(logging.WARNING):
        response = app.test_client().get("/needs-redis", headers={"Accept-Language": "ar"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert TITLES["ar"] in response.get_data(as_text=True)
    assert [r.getMessage().split(":")[0] for r in caplog.records] == ["redis unavailable"]


def test_an_error_page_that_fails_falls_back_to_the_standalone_page(app, monkeypatch):
    def broken():
        raise ValueError("a bug")

    app.add_url_rule("/broken", "broken", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    from timebank import errors

    monkeypatch.setattr(errors, "_render", lambda status, message=None: 1 / 0)
    response = app.test_client().get("/broken")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
