"""CORS on the API: off by default; with ``API_CORS_ORIGINS`` the listed origins (and only
they) may call ``/api/`` from a browser, preflight included; the web pages never answer
with CORS headers."""

from __future__ import annotations

import pytest

from tests.web.ledger_helpers import make_town
from timebank.database import transaction
from timebank.services.auth import tokens

KIOSK = "https://kiosk.example.org"


def _token(app) -> str:
    town = make_town()
    return transaction(
        lambda: tokens.create(town.salma.user, name="kiosk", scopes=["read"], expires_on=None)
    ).secret


def _preflight(client, origin=KIOSK):
    return client.options("/api/v1/me", headers={
        "Origin": origin, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    })  # fmt: skip


def test_cors_is_off_by_default(app, client):
    secret = _token(app)
    response = client.get("/api/v1/me", headers={"Origin": KIOSK,
                                                 "Authorization": f"Bearer {secret}"})  # fmt: skip
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Origin" not in _preflight(client).headers


@pytest.fixture
def kiosk_app(app):
    app.config["API_CORS_ORIGINS"] = f"{KIOSK}/, https://dashboard.example.org"
    yield app
    app.config["API_CORS_ORIGINS"] = ""


def test_listed_origins_may_call_the_api_and_no_others(kiosk_app, client):
    secret = _token(kiosk_app)
    headers = {"Origin": KIOSK, "Authorization": f"Bearer {secret}"}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == KIOSK
    assert "RateLimit-Remaining" in response.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "Origin" in response.headers["Vary"]
    preflight = _preflight(client)
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == KIOSK
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Idempotency-Key" in preflight.headers["Access-Control-Allow-Headers"]
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    stranger = client.get("/api/v1/me", headers={**headers, "Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in stranger.headers
    assert "Access-Control-Allow-Origin" not in _preflight(client, "https://evil.example").headers
    refused = client.get("/api/v1/me", headers={"Origin": KIOSK})  # no token: still 401
    assert refused.status_code == 401
    assert refused.headers["Access-Control-Allow-Origin"] == KIOSK  # so the page can read why
    web = client.get("/", headers={"Origin": KIOSK})
    assert "Access-Control-Allow-Origin" not in web.headers


def test_a_star_allows_any_origin_without_credentials(app, client):
    app.config["API_CORS_ORIGINS"] = "*"
    try:
        response = client.get("/api/v1/openapi.json", headers={"Origin": "https://a.example"})
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    finally:
        app.config["API_CORS_ORIGINS"] = ""
