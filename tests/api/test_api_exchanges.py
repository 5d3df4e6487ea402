"""The API's exchanges (issue 18): the caller's list and the community's for coordinators,
cursor-paged in a stable order with state filters; one exchange with its approval state
and every ledger leg; reject and cancel with the web's rules, refused as problems."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.web.ledger_helpers import balance, make_town
from timebank.database import transaction
from timebank.extensions import db
from timebank.models import Entry
from timebank.services.auth import tokens
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.ledger import posting as ledger

YESTERDAY = date.today() - timedelta(days=1)


@pytest.fixture
def town(app):
    return make_town()  # the other member confirms


def _auth(membership, scopes=("read", "exchanges:write")) -> dict:
    secret = transaction(
        lambda: tokens.create(membership.user, name="script", scopes=list(scopes),
                              expires_on=None)
    ).secret  # fmt: skip
    return {"Authorization": f"Bearer {secret}"}


def _record(town, provider, recipient, minutes=30, actor=None, key=None):
    return transaction(
        lambda: exchanges.record(
            town.community, actor=(actor or provider).user, provider=provider,
            recipient=recipient, minutes=minutes, service_date=YESTERDAY, category="gardening",
            idempotency_key=key or f"x-{provider.id}-{recipient.id}-{minutes}",
        )
    )  # fmt: skip


def _pages(client, url, headers) -> list[int]:
    seen, cursor = [], None
    while True:
        joiner = "&" if "?" in url else "?"
        page = client.get(f"{url}{joiner}limit=2" + (f"&cursor={cursor}" if cursor else ""),
                          headers=headers)  # fmt: skip
        assert page.status_code == 200, page.get_json()
        seen += [item["id"] for item in page.get_json()["items"]]
        cursor = page.get_json()["next"]
        if cursor is None:
            return seen


def test_my_exchanges_are_cursor_paged_newest_first_with_a_state_filter(client, town):
    mine = [_record(town, town.salma, town.omar, minutes=10 + n) for n in range(3)]
    mine.append(_record(town, town.grace, town.salma, minutes=20))
    _record(town, town.omar, town.grace, minutes=40)  # not Salma's
    headers = _auth(town.salma)
    base = f"/api/v1/communities/{town.slug}/exchanges"
    assert _pages(client, base, headers) == sorted((e.id for e in mine), reverse=True)
    transaction(lambda: exchanges.confirm(mine[0], actor=town.omar.user))
    assert _pages(client, f"{base}?state=posted", headers) == [mine[0].id]
    assert len(_pages(client, f"{base}?state=pending", headers)) == 3
    first = client.get(base, headers=headers).get_json()["items"][0]
    assert first["recipient_name"] == "Salma Khoury" and first["waiting_for"] == "other_member"
    bad = client.get(f"{base}?state=lost", headers=headers)
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    backwards = client.get(f"{base}?date_from=2026-02-02&date_to=2026-01-01", headers=headers)
    assert backwards.status_code == 422


def test_the_communitys_exchanges_are_for_coordinators(client, town):
    made = [_record(town, town.salma, town.omar), _record(town, town.omar, town.grace)]
    base = f"/api/v1/communities/{town.slug}/exchanges/all"
    coordinator = _auth(town.coordinator, scopes=("read", "coordinate"))
    assert _pages(client, base, coordinator) == [made[1].id, made[0].id]
    only_grace = _pages(client, f"{base}?member={town.grace.id}", coordinator)
    assert only_grace == [made[1].id]
    assert client.get(base, headers=_auth(town.salma)).status_code == 403
    no_scope = _auth(town.coordinator, scopes=("read",))
    assert client.get(base, headers=no_scope).status_code == 403
    assert client.get(f"{base}?member=999999", headers=coordinator).status_code == 404


def test_one_exchange_shows_its_approval_state_and_every_leg(client, town):
    exchange = _record(town, town.salma, town.omar, minutes=90)
    url = f"/api/v1/communities/{town.slug}/exchanges/{exchange.id}"
    waiting = client.get(url, headers=_auth(town.omar)).get_json()
    assert waiting["approval"]["waiting_for"] == "other_member"
    assert waiting["legs"] == [] and waiting["actions"] == ["confirm", "reject"]
    confirmed = client.post(f"{url}/confirm", headers=_auth(town.omar))
    assert confirmed.status_code == 200, confirmed.get_json()
    body = client.get(url, headers=_auth(town.salma)).get_json()
    assert body["status"] == "posted" and body["approval"]["waiting_for"] is None
    assert body["approval"]["decided_at"] is not None
    legs = {leg["membership_id"]: leg for leg in body["legs"]}
    assert legs[town.salma.id]["delta_hours"] == "1.50"
    assert legs[town.omar.id]["delta_minutes"] == -90
    assert legs[town.salma.id]["balance_after_minutes"] == 90
    assert legs[town.omar.id]["balance_after_minutes"] is None  # not Salma's to see
    assert sum(leg["delta_minutes"] for leg in body["legs"]) == 0
    seen = client.get(url, headers=_auth(town.coordinator, scopes=("read", "coordinate")))
    assert {leg["balance_after_minutes"] for leg in seen.get_json()["legs"]} == {90, -90}
    assert client.get(url, headers=_auth(town.grace)).status_code == 404


def test_rejecting_follows_the_web_rules_and_changes_no_balance(client, town):
    exchange = _record(town, town.salma, town.omar)
    url = f"/api/v1/communities/{town.slug}/exchanges/{exchange.id}/reject"
    no_reason = client.post(url, json={}, headers=_auth(town.omar))
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    blank = client.post(url, json={"reason": "   "}, headers=_auth(town.omar))
    assert blank.status_code == 400 and "reason" in blank.get_json()["errors"]
    recorder = client.post(url, json={"reason": "Changed my mind"}, headers=_auth(town.salma))
    assert recorder.status_code == 403
    rejected = client.post(url, json={"reason": "We never met"}, headers=_auth(town.omar))
    assert rejected.status_code == 200, rejected.get_json()
    assert rejected.get_json()["status"] == "rejected"
    assert rejected.get_json()["reason"] == "We never met"
    again = client.post(url, json={"reason": "Twice"}, headers=_auth(town.omar))
    assert again.status_code in (403, 409) and again.mimetype == "application/problem+json"
    assert (balance(town.salma), balance(town.omar)) == (0, 0)
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


def test_a_coordinator_rejects_with_the_coordinate_scope_only(client, town):
    exchange = _record(town, town.salma, town.omar)
    url = f"/api/v1/communities/{town.slug}/exchanges/{exchange.id}/reject"
    body = {"reason": "Recorded twice"}
    plain = client.post(url, json=body, headers=_auth(town.coordinator))
    assert plain.status_code == 403
    scoped = _auth(town.coordinator, scopes=("read", "exchanges:write", "coordinate"))
    decided = client.post(url, json=body, headers=scoped)
    assert decided.status_code == 200 and decided.get_json()["status"] == "rejected"


def test_only_the_recorder_cancels_a_pending_exchange(client, town):
    exchange = _record(town, town.salma, town.omar)
    url = f"/api/v1/communities/{town.slug}/exchanges/{exchange.id}/cancel"
    refused = client.post(url, json={}, headers=_auth(town.omar))
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert "recorded" in refused.get_json()["detail"]
    cancelled = client.post(url, json={}, headers=_auth(town.salma))
    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["status"] == "cancelled"
    assert client.post(url, json={"reason": "x"}, headers=_auth(town.salma)).status_code == 409


def test_a_limit_is_refused_as_a_structured_problem(client, town):
    """Omar may owe an hour at most: confirming three hours he received is refused as the
    web refuses it, as a limit-exceeded problem, and nothing is posted."""
    ledger.ensure_account(town.omar).credit_limit = 60
    db.session.commit()
    url = f"/api/v1/communities/{town.slug}/exchanges"
    body = {"provider_id": town.salma.id, "recipient_id": town.omar.id, "minutes": 180,
            "service_date": YESTERDAY.isoformat(), "category": "gardening"}  # fmt: skip
    headers = {**_auth(town.salma), "Idempotency-Key": "limit-0001"}
    recorded = client.post(url, json=body, headers=headers)
    assert recorded.status_code == 201, recorded.get_json()
    refused = client.post(f"{url}/{recorded.get_json()['id']}/confirm", headers=_auth(town.omar))
    assert refused.status_code == 409, refused.get_json()
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["type"].endswith("limit-exceeded")
    shown = client.get(f"{url}/{recorded.get_json()['id']}", headers=_auth(town.omar))
    assert shown.get_json()["status"] == "recorded" and shown.get_json()["legs"] == []
    assert balance(town.omar) == 0
