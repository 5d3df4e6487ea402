"""The JSON API v1: tokens (shown once, stored hashed, scoped, dying with the account,
the password or a revocation), the OpenAPI 3.1 document, and ledger-grade writes (the
same consent and limit rules as the web, Idempotency-Key replays, problem details)."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.web.ledger_helpers import balance, login, make_town
from timebank.database import transaction
from timebank.extensions import db
from timebank.models import ApiToken, AuditEvent, Entry, Exchange
from timebank.services.auth import passwords, tokens
from timebank.services.exceptions import InvalidInput
from timebank.services.ledger import posting as ledger
from timebank.services.ledger.verification import verify_community

TODAY = date.today()


@pytest.fixture
def town(app):
    return make_town(require_confirmation=False)


def _token(membership, scopes=("read", "exchanges:write"), **kwargs) -> str:
    made = transaction(
        lambda: tokens.create(
            membership.user, name="script", scopes=list(scopes),
            expires_on=kwargs.get("expires_on"),
        )
    )  # fmt: skip
    return made.secret


def _auth(secret: str, **headers) -> dict:
    return {"Authorization": f"Bearer {secret}", **headers}


def _record_body(town, provider, recipient, minutes=60) -> dict:
    return {
        "provider_id": provider.id, "recipient_id": recipient.id, "minutes": minutes,
        "service_date": (TODAY - timedelta(days=1)).isoformat(), "category": "gardening",
    }  # fmt: skip


def test_a_token_is_shown_once_and_stored_as_a_hash(town):
    secret = _token(town.salma)
    assert re.fullmatch(r"tbk_[A-Za-z0-9_-]{40}", secret)
    stored = db.session.scalar(select(ApiToken))
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(db.session.execute(select(ApiToken.__table__)).all())
    assert stored.prefix == secret[:12]
    assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == (
        "api_token.create"
    )


def test_me_answers_with_the_balance_and_stamps_the_last_use(client, town):
    secret = _token(town.salma)
    response = client.get("/api/v1/me", headers=_auth(secret))
    assert response.status_code == 200
    body = response.get_json()
    assert body["display_name"] == "Salma Khoury"
    assert body["memberships"][0]["balance_hours"] == "0.00"
    assert body["token_name"] == "script"
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken)).last_used_at is not None


@pytest.mark.parametrize(
    "kill",
    ["revoke", "expire", "disable", "password"],
)
def test_a_token_dies_with_its_revocation_expiry_account_or_password(client, town, kill):
    secret = _token(town.salma, expires_on=TODAY + timedelta(days=1))
    assert client.get("/api/v1/me", headers=_auth(secret)).status_code == 200
    token = db.session.scalar(select(ApiToken))
    user = town.salma.user
    if kill == "revoke":
        transaction(lambda: tokens.revoke(user, token.id))
    elif kill == "expire":
        token.expires_at = token.created_at
        db.session.commit()
    elif kill == "disable":
        user.is_disabled = True
        db.session.commit()
    else:
        user.password_hash = passwords.hash_password("another long sentence here")
        db.session.commit()
    response = client.get("/api/v1/me", headers=_auth(secret))
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_session_cookies_do_not_work_on_the_api(client, auth, town):
    login(auth, town.salma)
    assert client.get("/api/v1/me").status_code == 401


def test_a_scope_is_needed_for_each_route(client, town):
    secret = _token(town.salma, scopes=("read",))
    response = client.post(
        f"/api/v1/communities/{town.slug}/exchanges",
        json=_record_body(town, town.salma, town.omar),
        headers=_auth(secret, **{"Idempotency-Key": "first-try-0001"}),
    )
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Exchange)) == 0


def test_another_communitys_pages_are_not_found(client, town, app):
    other = make_town()
    secret = _token(other.salma)
    assert client.get(f"/api/v1/communities/{town.slug}/statement",
                      headers=_auth(secret)).status_code == 404  # fmt: skip


def test_recording_and_confirming_through_the_api_follows_the_consent_rule(client, town):
    """Salma (provider) records through her token: it waits for Omar, who confirms with
    his own token; the balances move once and the ledger verifies."""
    salma, omar = _token(town.salma), _token(town.omar)
    body = _record_body(town, town.salma, town.omar, minutes=90)
    url = f"/api/v1/communities/{town.slug}/exchanges"
    first = client.post(url, json=body, headers=_auth(salma, **{"Idempotency-Key": "k-000001"}))
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["status"] == "recorded"
    assert first.get_json()["hours"] == "1.50"
    assert balance(town.salma) == 0
    again = client.post(url, json=body, headers=_auth(salma, **{"Idempotency-Key": "k-000001"}))
    assert again.get_json()["id"] == first.get_json()["id"]
    other = client.post(url, json={**body, "minutes": 30},
                        headers=_auth(salma, **{"Idempotency-Key": "k-000001"}))  # fmt: skip
    assert other.status_code == 409
    assert other.mimetype == "application/problem+json"
    exchange_id = first.get_json()["id"]
    confirm = f"{url}/{exchange_id}/confirm"
    assert client.post(confirm, headers=_auth(salma)).status_code in (403, 404, 400)
    confirmed = client.post(confirm, headers=_auth(omar))
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["status"] == "posted"
    assert (balance(town.salma), balance(town.omar)) == (90, -90)
    assert verify_community(town.community).ok
    statement = client.get(f"/api/v1/communities/{town.slug}/statement", headers=_auth(omar))
    assert statement.get_json()["items"][0]["delta_hours"] == "-1.50"
    operations = db.session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "api.write")
    ).all()
    assert {d["operation"] for d in operations} == {"exchange.record", "exchange.confirm"}
    assert all(d["token"] == "script" for d in operations)


def test_bad_bodies_are_problems_with_field_errors_and_change_nothing(client, town):
    secret = _token(town.salma)
    url = f"/api/v1/communities/{town.slug}/exchanges"
    bodies = [
        {},
        {**_record_body(town, town.salma, town.omar), "minutes": 2**63},
        {**_record_body(town, town.salma, town.omar), "minutes": "٣"},
        {**_record_body(town, town.salma, town.omar), "provider_id": -1},
        {**_record_body(town, town.salma, town.omar), "service_date": "2026-02-31"},
        {**_record_body(town, town.salma, town.omar), "category": "x" * 10_000},
        {**_record_body(town, town.salma, town.omar), "provider_id": 2**31},
    ]
    for number, body in enumerate(bodies):
        key = f"bad-body-{number:04d}"
        response = client.post(url, json=body, headers=_auth(secret, **{"Idempotency-Key": key}))
        assert 400 <= response.status_code < 500, (body, response.status_code)
        assert response.mimetype == "application/problem+json"
    missing_key = client.post(url, json=_record_body(town, town.salma, town.omar),
                              headers=_auth(secret))  # fmt: skip
    assert missing_key.status_code == 400
    assert "Idempotency-Key" in missing_key.get_json()["errors"]
    assert db.session.scalar(select(func.count()).select_from(Exchange)) == 0


def test_problems_speak_the_clients_language(client, town):
    response = client.get("/api/v1/me", headers={"Accept-Language": "ar"})
    assert response.status_code == 401
    assert re.search("[\u0600-\u06ff]", response.get_json()["title"])


def test_the_statement_is_cursor_paged_newest_first(client, town):
    secret = _token(town.omar)
    url = f"/api/v1/communities/{town.slug}/exchanges"
    for number in range(5):
        body = _record_body(town, town.salma, town.omar, minutes=10 + number)
        client.post(
            url, json=body, headers=_auth(secret, **{"Idempotency-Key": f"page-{number:05d}"})
        )
    seen, cursor = [], None
    while True:
        query = f"?limit=2&cursor={cursor}" if cursor else "?limit=2"
        page = client.get(f"/api/v1/communities/{town.slug}/statement{query}",
                          headers=_auth(secret)).get_json()  # fmt: skip
        seen += [item["entry_id"] for item in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == sorted(seen, reverse=True)
    assert (
        len(seen)
        == db.session.scalar(
            select(func.count())
            .select_from(Entry)
            .where(Entry.account_id == ledger.ensure_account(town.omar).id)
        )
        == 5
    )


def test_the_openapi_document_is_3_1_and_the_reference_page_needs_nothing_outside(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert "/api/v1/communities/{slug}/exchanges" in spec["paths"]
    assert spec["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "POST /api/v1/communities/{slug}/exchanges" in page
    assert not re.search(r"""(src|href)=["']https?://""", page)


def test_the_token_page_creates_shows_once_and_revokes(client, auth, town):
    login(auth, town.salma)
    page = auth.post("/account/api-tokens", {"name": "Kiosk", "scopes": ["read"]},
                     page="/account/api-tokens")  # fmt: skip
    assert page.status_code == 201
    assert page.headers["Cache-Control"] == "no-store"
    secret = re.search(r"tbk_[A-Za-z0-9_-]{40}", page.get_data(as_text=True)).group(0)
    again = client.get("/account/api-tokens").get_data(as_text=True)
    assert secret not in again and secret[:12] in again
    refused = auth.post(
        "/account/api-tokens", {"name": "", "scopes": []}, page="/account/api-tokens"
    )
    assert refused.status_code == 400
    token = db.session.scalar(select(ApiToken))
    auth.post(f"/account/api-tokens/{token.id}/revoke", page="/account/api-tokens")
    assert client.get("/api/v1/me", headers=_auth(secret)).status_code == 401


def test_a_bad_token_request_is_refused_by_the_service(town):
    with pytest.raises(InvalidInput):
        tokens.create(town.salma.user, name="x", scopes=["admin"], expires_on=None)
    with pytest.raises(InvalidInput):
        tokens.create(town.salma.user, name="x", scopes=["read"], expires_on=TODAY)
