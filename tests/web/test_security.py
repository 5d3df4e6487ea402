"""Security baseline (DESIGN.md §8): headers, cookies, limits, error pages, rate limits,
the health check and password hashing."""

from __future__ import annotations

import re
import uuid

import pytest
import redis
from argon2 import Type
from flask import Flask
from sqlalchemy import select

from tests.conftest import BASE_CONFIG, PSEUDO_MARK, Browser, IsolatedClient
from tests.factories import PASSWORD, make_community, make_member, make_user
from timebank import create_app
from timebank.extensions import db
from timebank.models import User

LOGIN_LIMIT = 3
ARABIC = {"Accept-Language": "ar"}
REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def app_config(pseudo_arabic, fresh_translations) -> dict:
    return {
        "RATELIMIT_ENABLED": True,
        "LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute",
        "BABEL_TRANSLATION_DIRECTORIES": pseudo_arabic,
    }


def _assert_translated_error_page(english, arabic, title: str) -> None:
    """The English page says ``title``; the Arabic one says it through the (pseudo-Arabic)
    catalogue, right to left; neither shows a stack trace."""
    assert english.status_code == arabic.status_code
    page = english.get_data(as_text=True)
    assert f"<h1>{title}</h1>" in page
    translated = arabic.get_data(as_text=True)
    assert f"<h1>{PSEUDO_MARK} {title}</h1>" in translated
    assert '<html lang="ar" dir="rtl">' in translated
    for text in (page, translated):
        assert "Traceback" not in text and 'File "' not in text


def _build_app(uri: str, tmp_path, **config) -> Flask:
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": uri, **config})
    app.instance_path = str(tmp_path)
    app.test_client_class = IsolatedClient
    return app


def _close(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# -- Headers ---------------------------------------------------------------------------


def _check_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")


@pytest.mark.parametrize(
    "path",
    ["/", "/auth/login", "/auth/register", "/healthz", "/no-such-page", "/static/css/site.css"],
)
def test_security_headers_on_every_response(client, path):
    """CSP without inline script or style, nosniff, frame DENY and a referrer policy."""
    make_community()
    response = client.get(path)
    _check_headers(response)
    response.close()


def test_security_headers_on_error_and_redirect_responses(client, auth):
    """Redirects, refused forms and server errors carry the headers too."""
    _check_headers(client.get("/account/"))
    _check_headers(client.post("/auth/login", data={}))
    _check_headers(auth.login("nobody@example.org", "wrong password here"))


def test_no_inline_script_or_style_in_pages(client):
    """The pages respect the policy they announce: no inline script, style or handler."""
    make_community()
    for path in ("/", "/auth/login", "/auth/register", "/auth/forgot"):
        page = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert "<script" not in page and "<style" not in page
        assert not re.search(r"\sstyle=|\son[a-z]+=", page), path


def test_authenticated_pages_are_not_cached(auth, client):
    """Pages for a logged-in user say ``Cache-Control: no-store``."""
    community = make_community()
    make_member(community, email="member@example.org")
    auth.login("member@example.org", PASSWORD)
    for path in ("/account/", f"/c/{community.slug}/members/", "/auth/login"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


# -- Cookies ---------------------------------------------------------------------------


def _session_cookie(response) -> str:
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return cookie


def test_session_cookie_flags(auth):
    """The session cookie is HttpOnly and SameSite=Lax (Secure only in production)."""
    make_user(email="cookie@example.org")
    cookie = _session_cookie(auth.login("cookie@example.org", PASSWORD))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_production_cookies_are_secure(monkeypatch, database_uri, tmp_path):
    """In production the session cookie is also Secure."""
    monkeypatch.setenv("TIMEBANK_ENV", "production")
    app = _build_app(database_uri, tmp_path, PUBLIC_URL="https://localhost", EXTRA_HOSTS="")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    with app.app_context():
        make_user(email="prod@example.org")
        response = Browser(app.test_client()).login("prod@example.org", PASSWORD)
        cookie = _session_cookie(response)
    _close(app)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


# -- Limits and error pages --------------------------------------------------------------


def test_oversized_request_gets_a_translated_413_page(client):
    """A request over the size limit answers 413 with a translated page."""
    body = {"email": "x@example.org", "password": "x" * (3 * 1024 * 1024)}
    response = client.post("/auth/login", data=body)
    assert response.status_code == 413
    arabic = client.post("/auth/login", data=body, headers=ARABIC)
    _assert_translated_error_page(response, arabic, "What you sent is too large")


def test_not_found_page_is_translated(client):
    """An unknown address gets the translated 404 page, in Arabic too."""
    response = client.get("/no/such/page")
    assert response.status_code == 404
    arabic = client.get("/no/such/page", headers=ARABIC)
    _assert_translated_error_page(response, arabic, "Page not found")


def test_forbidden_page_is_translated(auth, client):
    """A member on a coordinator page gets the translated 403 page."""
    community = make_community()
    make_member(community, email="member@example.org", locale=None)  # browser decides
    auth.login("member@example.org", PASSWORD)
    response = client.get(f"/c/{community.slug}/applicants/")
    assert response.status_code == 403
    arabic = client.get(f"/c/{community.slug}/applicants/", headers=ARABIC)
    _assert_translated_error_page(response, arabic, "You do not have access to this page")


def test_server_error_page_has_no_traceback(app_config, database_uri, tmp_path, caplog):
    """An unexpected exception gives the translated 500 page, logged but never shown."""
    app = _build_app(database_uri, tmp_path, **app_config)

    def explode():
        raise RuntimeError("secret internals: password=hunter2")

    explode._timebank_access = "public"
    app.add_url_rule("/test-only/explode", "explode", explode)
    with app.app_context():
        client = app.test_client()
        response = client.get("/test-only/explode")
        arabic = client.get("/test-only/explode", headers=ARABIC)
    _close(app)
    assert response.status_code == 500
    _assert_translated_error_page(response, arabic, "Something went wrong on our side")
    assert "hunter2" not in response.get_data(as_text=True)
    assert "secret internals" in caplog.text  # the operator still sees it in the log
    _check_headers(response)


# -- Login rate limit ---------------------------------------------------------------------


def _hammer(browser: Browser, attempts: int) -> list[int]:
    token = browser.token()
    return [
        browser.client.post(
            "/auth/login",
            data={"csrf_token": token, "email": "victim@example.org", "password": "guess guess"},
        ).status_code
        for _ in range(attempts)
    ]


def test_login_rate_limit_answers_429(browser, client):
    """After the allowed number of attempts a minute, login answers 429 (translated)."""
    assert _hammer(browser, LOGIN_LIMIT + 2) == [200] * LOGIN_LIMIT + [429, 429]
    response = browser.post("/auth/login", {"email": "a@example.org", "password": "x"})
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60  # when to try again, in seconds
    arabic = browser.post("/auth/login", {"email": "a@example.org"}, headers=ARABIC)
    _assert_translated_error_page(response, arabic, "Too many attempts")
    assert client.get("/auth/login").status_code == 200  # reading the form is not limited


def _redis() -> redis.Redis | None:
    store = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        store.ping()
    except redis.RedisError:
        store.close()
        return None
    return store


def test_login_rate_limit_with_redis_storage(database_uri, tmp_path):
    """With Redis storage (several workers share the count) the limit holds as well."""
    store = _redis()
    # `make test` and .ci/run start the machine's Redis; a missing one is a failure, not a skip.
    assert store is not None, f"Redis is not reachable at {REDIS_URL}: start redis-server"
    prefix = f"timebank-test-{uuid.uuid4().hex}"  # parallel runs never share counters
    try:
        app = _build_app(
            database_uri,
            tmp_path,
            RATELIMIT_ENABLED=True,
            RATELIMIT_STORAGE_URL=REDIS_URL,
            RATELIMIT_KEY_PREFIX=prefix,
            LOGIN_RATE_LIMIT=f"{LOGIN_LIMIT} per minute",
        )
        with app.app_context():
            first, second = Browser(app.test_client()), Browser(app.test_client())
            assert _hammer(first, LOGIN_LIMIT - 1) == [200] * (LOGIN_LIMIT - 1)
            # Another client from the same address shares the count, which lives in Redis.
            assert _hammer(second, 2) == [200, 429]
            assert list(store.scan_iter(f"*{prefix}*"))
        _close(app)
    finally:
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
        store.close()


def test_login_rate_limit_survives_redis_going_away(database_uri, tmp_path):
    """With the rate-limit store unreachable, logging in still works (no 500) and the
    limit still holds, counted in the worker's memory until the store is back."""
    app = _build_app(
        database_uri,
        tmp_path,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URL="redis://127.0.0.1:1/0",  # nothing listens on port 1
        LOGIN_RATE_LIMIT=f"{LOGIN_LIMIT} per minute",
    )
    with app.app_context():
        assert _hammer(Browser(app.test_client()), LOGIN_LIMIT + 1) == [200] * LOGIN_LIMIT + [429]
    _close(app)


@pytest.mark.parametrize("proxies", [0, 1])
def test_login_rate_limit_counts_people_behind_a_trusted_proxy(database_uri, tmp_path, proxies):
    """Behind one trusted proxy, two people (two X-Forwarded-For addresses) have a limit
    each; with no trusted proxy the header is ignored, so it cannot dodge the limit."""
    app = _build_app(
        database_uri,
        tmp_path,
        RATELIMIT_ENABLED=True,
        TRUSTED_PROXIES=proxies,
        LOGIN_RATE_LIMIT=f"{LOGIN_LIMIT} per minute",
    )
    with app.app_context():
        first, second = Browser(app.test_client()), Browser(app.test_client())
        first.client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.1"
        second.client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.2"
        assert _hammer(first, LOGIN_LIMIT) == [200] * LOGIN_LIMIT
        assert _hammer(second, 1) == ([200] if proxies else [429])
    _close(app)


# -- Health check --------------------------------------------------------------------------


def test_readyz_reports_the_database_reachable(client):
    """``/readyz`` answers 200 JSON when the database answers (``/healthz`` only says the
    process is alive: tests/ops/test_outage.py)."""
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ready"
    assert response.get_json()["checks"]["database"] == {"ok": True, "detail": "ok"}


@pytest.mark.parametrize(
    "uri",
    [
        "sqlite:////nonexistent-directory/for/timebank.sqlite3",
        "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2",
    ],
    ids=["sqlite-bad-path", "postgresql-refused"],
)
def test_readyz_reports_the_database_unreachable(uri, tmp_path):
    """``/readyz`` answers 503 JSON when the database cannot be reached."""
    app = _build_app(uri, tmp_path)
    with app.app_context():
        response = app.test_client().get("/readyz")
    _close(app)
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
    assert response.get_json()["checks"]["database"]["ok"] is False


# -- Passwords ---------------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2id(cheap_password_hashing, browser):
    """Stored hashes are argon2id, and production uses at least the OWASP minimum cost."""
    production = cheap_password_hashing
    assert production.type == Type.ID
    assert production.memory_cost >= 19 * 1024 and production.time_cost >= 2
    assert production.hash("a sample phrase").startswith("$argon2id$")
    make_user(email="hash@example.org")
    stored = db.session.scalar(select(User.password_hash).where(User.email == "hash@example.org"))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
