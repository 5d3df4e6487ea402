"""Per-token rate limits: RateLimit-* headers on every answer, a 429 problem with
Retry-After past the limit, counted for each token apart."""

from __future__ import annotations

import pytest

from tests.web.ledger_helpers import make_town
from timebank.database import transaction
from timebank.services.auth import tokens


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "3 per minute;100 per day"}


def _auth(membership) -> dict:
    secret = transaction(
        lambda: tokens.create(membership.user, name="busy", scopes=["read"], expires_on=None)
    ).secret
    return {"Authorization": f"Bearer {secret}"}


def test_each_token_has_its_limit_and_hears_where_it_stands(client, app):
    town = make_town()
    salma, omar = _auth(town.salma), _auth(town.omar)
    remaining = []
    for _ in range(3):
        response = client.get("/api/v1/me", headers=salma)
        assert response.status_code == 200
        assert response.headers["RateLimit-Limit"] == "3"
        assert 0 < int(response.headers["RateLimit-Reset"]) <= 60
        remaining.append(response.headers["RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]
    refused = client.get("/api/v1/me", headers=salma)
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["RateLimit-Remaining"] == "0"
    other = client.get("/api/v1/me", headers=omar)
    assert other.status_code == 200 and other.headers["RateLimit-Remaining"] == "2"
