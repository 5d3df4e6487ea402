"""Every API route makes an access decision, walked from ``app.url_map`` (the API's twin
of tests/web/test_access.py): no token or a revoked one → 401, a token without the route's
scope → 403, a member of another community → 404 on that community's routes, and the
entitled token gets through. A new API route without a declared scope fails here."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask

from tests.conftest import BASE_CONFIG
from tests.web.ledger_helpers import make_town
from timebank import create_app
from timebank.access import ACCESS_ATTRIBUTE
from timebank.database import transaction
from timebank.extensions import db
from timebank.models import (
    Arrangement,
    ArrangementStatus,
    Category,
    CompanionshipKind,
    CompanionshipRequest,
    Frequency,
    RequestStatus,
)
from timebank.services.auth import tokens
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.listings import listings
from timebank.services.messaging import notifications

SCOPES = set(tokens.SCOPES)


def _api_routes() -> list[tuple[str, str]]:
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted(
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


ROUTES = _api_routes()


def _scope(app: Flask, endpoint: str) -> str | None:
    level = getattr(app.view_functions[endpoint], ACCESS_ATTRIBUTE, "")
    return level.removeprefix("api:") if level.startswith("api:") else None


def test_every_api_route_declares_a_known_scope(app):
    assert len(ROUTES) >= 6
    assert {e: _scope(app, e) for e, _ in ROUTES if _scope(app, e) not in SCOPES} == {}


def _secret(membership, scopes) -> str:
    return transaction(
        lambda: tokens.create(membership.user, name="matrix", scopes=list(scopes), expires_on=None)
    ).secret


def _url(app: Flask, endpoint: str, town) -> str:
    (rule,) = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    # Only its recorder may withdraw an exchange: Omar, when the route is "cancel".
    recorder = town.omar if endpoint == "api.exchange_cancel" else town.salma
    exchange = transaction(
        lambda: exchanges.record(
            town.community, actor=recorder.user, provider=town.salma, recipient=town.omar,
            minutes=30, service_date=date.today() - timedelta(days=1), category="gardening",
            idempotency_key=f"matrix-{endpoint}",
        )
    )  # fmt: skip
    category = db.session.scalar(db.select(Category).filter_by(community_id=town.community.id))
    listing = transaction(
        lambda: listings.create(
            town.community, actor=town.omar.user,
            data=listings.ListingInput(kind="offer", title="Bread", description="",
                                       category_id=category.id),
        )
    )  # fmt: skip
    transaction(lambda: notifications.notify(town.omar.user, "message", community=town.community))
    note = db.session.scalar(db.select(notifications.Notification).order_by(
        notifications.Notification.id.desc()))  # fmt: skip
    values = {"slug": town.slug, "exchange_id": exchange.id, "listing_id": listing.id,
              "notification_id": note.id, "membership_id": town.salma.id,
              "arrangement_id": _match(town).id, "period": "2026-Q1"}  # fmt: skip
    unknown = set(rule.arguments) - set(values)
    assert not unknown, f"{rule.rule}: no placeholder for {sorted(unknown)}"
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{name: values[name] for name in rule.arguments})


def _match(town) -> Arrangement:
    """Omar visits Salma (an active match), so the member token is the volunteer's."""
    request = CompanionshipRequest(
        community_id=town.community.id, recipient_id=town.salma.id,
        requested_by_id=town.salma.user_id, kind=CompanionshipKind.CALL,
        frequency=Frequency.WEEKLY, language="en", status=RequestStatus.MATCHED,
    )  # fmt: skip
    db.session.add(request)
    db.session.flush()
    arrangement = Arrangement(
        community_id=town.community.id, request_id=request.id, volunteer_id=town.omar.id,
        status=ArrangementStatus.ACTIVE,
    )  # fmt: skip
    db.session.add(arrangement)
    db.session.commit()
    return arrangement


def _body(endpoint: str, town) -> dict:
    """A valid body for the route, so that only the caller decides the answer."""
    if endpoint == "api.listing_create":
        category = db.session.scalar(
            db.select(Category.id).filter_by(community_id=town.community.id)
        )
        return {"kind": "request", "title": "A lift", "category_id": category}
    if endpoint == "api.member_create":
        return {"display_name": "Hana Saleh"}
    if endpoint == "api.listing_update":
        return {"title": "Fresh bread"}
    if endpoint in ("api.exchange_reject", "api.exchange_cancel"):
        return {"reason": "Not what we agreed"}
    if endpoint == "api.companionship_visit":
        return {"minutes": 45, "wellbeing": "all_well",
                "service_date": (date.today() - timedelta(days=1)).isoformat()}  # fmt: skip
    return {
        "provider_id": town.omar.id, "recipient_id": town.salma.id, "minutes": 15,
        "service_date": (date.today() - timedelta(days=1)).isoformat(), "category": "gardening",
    }  # fmt: skip


def _call(client, method: str, url: str, secret: str | None, town, endpoint: str = ""):
    headers = {"Idempotency-Key": "matrix-key-0001"}
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    body = _body(endpoint, town)
    if method == "GET":
        return client.get(url, headers=headers)
    return client.open(url, method=method, json=body, headers=headers)


@pytest.mark.parametrize(("endpoint", "method"), ROUTES, ids=[f"{m} {e}" for e, m in ROUTES])
def test_api_route_access_matrix(app, client, endpoint, method):
    town = make_town(require_confirmation=False, members_see_metrics=True)
    other = make_town()
    scope = _scope(app, endpoint)
    url = _url(app, endpoint, town)

    assert _call(client, method, url, None, town, endpoint).status_code == 401
    revoked = _secret(town.omar, SCOPES)
    token = tokens.authenticate(revoked)
    transaction(lambda: tokens.revoke(town.omar.user, token.id))
    assert _call(client, method, url, revoked, town, endpoint).status_code == 401
    without = _secret(town.omar, SCOPES - {scope})
    assert _call(client, method, url, without, town, endpoint).status_code == 403, url
    if "/communities/" in url:
        outsider = _secret(other.salma, SCOPES)
        assert _call(client, method, url, outsider, town, endpoint).status_code == 404, url
    # Coordinator routes need a coordinator holding the scope; the others a member.
    holder = town.coordinator if scope == "coordinate" else town.omar
    entitled = _secret(holder, {scope})
    response = _call(client, method, url, entitled, town, endpoint)
    assert response.status_code < 400 or response.status_code in (400, 409, 422), (
        url, response.status_code, response.get_json(),
    )  # fmt: skip
    assert response.status_code not in (401, 403, 404)
