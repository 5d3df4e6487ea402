"""The API's listings, notifications and members (issue 18, second step): the same
services, visibility and permission checks as the pages, idempotent creations, cursors,
and bad input as 4xx problem details that change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.web.ledger_helpers import make_town
from timebank.database import transaction
from timebank.extensions import db
from timebank.models import Category, Listing, Membership, MembershipStatus, Notification
from timebank.services.auth import tokens
from timebank.services.messaging import notifications


@pytest.fixture
def town(app):
    return make_town(require_confirmation=False)


def _auth(membership, scopes=("read", "listings:write", "coordinate"), **headers) -> dict:
    secret = transaction(
        lambda: tokens.create(membership.user, name="script", scopes=list(scopes),
                              expires_on=None)
    ).secret  # fmt: skip
    return {"Authorization": f"Bearer {secret}", **headers}


def _category(town) -> int:
    return db.session.scalar(
        select(Category.id).where(Category.community_id == town.community.id).order_by(Category.id)
    )


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _post_listing(client, town, headers, key="listing-0001", **fields):
    body = {"kind": "offer", "title": "Fresh bread on Fridays", "category_id": _category(town),
            "description": "Sourdough", **fields}  # fmt: skip
    return client.post(f"/api/v1/communities/{town.slug}/listings", json=body,
                       headers={**headers, "Idempotency-Key": key})  # fmt: skip


def test_a_listing_is_created_once_found_changed_and_closed(client, town):
    salma, omar = _auth(town.salma), _auth(town.omar)
    first = _post_listing(client, town, salma)
    assert first.status_code == 201, first.get_json()
    listing_id = first.get_json()["id"]
    assert first.get_json()["status"] == "active"
    assert _post_listing(client, town, salma).get_json()["id"] == listing_id
    reused = _post_listing(client, town, salma, title="Another thing")
    assert reused.status_code == 409 and reused.mimetype == "application/problem+json"
    assert _count(Listing) == 1
    base = f"/api/v1/communities/{town.slug}/listings"
    found = client.get(f"{base}?q=bread", headers=omar).get_json()
    assert [item["id"] for item in found["items"]] == [listing_id]
    assert found["items"][0]["owner_name"] == "Salma Khoury"
    assert client.get(f"{base}?q=bread&kind=request", headers=omar).get_json()["items"] == []
    assert client.get(f"{base}/{listing_id}", headers=omar).get_json()["title"].startswith("Fresh")
    refused = client.patch(f"{base}/{listing_id}", json={"title": "Mine now"}, headers=omar)
    assert refused.status_code == 403
    changed = client.patch(f"{base}/{listing_id}", json={"title": "Rye bread"}, headers=salma)
    assert changed.status_code == 200 and changed.get_json()["title"] == "Rye bread"
    assert changed.get_json()["description"] == "Sourdough"
    assert client.post(f"{base}/{listing_id}/close", headers=omar).status_code == 403
    closed = client.post(f"{base}/{listing_id}/close", headers=salma)
    assert closed.get_json()["status"] == "closed"
    assert client.get(f"{base}/{listing_id}", headers=omar).status_code == 404
    assert client.get(f"{base}/{listing_id}", headers=salma).status_code == 200
    again = client.patch(f"{base}/{listing_id}", json={"title": "Back"}, headers=salma)
    assert again.status_code == 400 and again.mimetype == "application/problem+json"
    assert client.post(f"{base}/{listing_id}/close", headers=salma).status_code == 409


def test_the_listing_search_is_cursor_paged(client, town):
    salma = _auth(town.salma)
    for number in range(5):
        _post_listing(client, town, salma, key=f"listing-{number:04d}", title=f"Soup {number}")
    seen, cursor = [], None
    while True:
        query = f"?limit=2&cursor={cursor}" if cursor else "?limit=2"
        page = client.get(f"/api/v1/communities/{town.slug}/listings{query}",
                          headers=salma).get_json()  # fmt: skip
        seen += [item["id"] for item in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 5 == page["total"]


@pytest.mark.parametrize(
    "query",
    ["cursor=0", "cursor=abc", "limit=1000", "kind=gift", "category=abc", "category=-3",
     "q=" + "x" * 500, "cursor=99999999999999999999"],
)  # fmt: skip
def test_bad_search_arguments_are_problems(client, town, query):
    response = client.get(f"/api/v1/communities/{town.slug}/listings?{query}",
                          headers=_auth(town.salma))  # fmt: skip
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"


def refused_by_field(client, town, headers, bodies, prefix="bad-listing") -> None:
    """Each body is a 4xx problem naming its fields."""
    for number, fields in enumerate(bodies):
        response = _post_listing(client, town, headers, key=f"{prefix}-{number:03d}", **fields)
        assert 400 <= response.status_code < 500, (fields, response.status_code)
        assert response.mimetype == "application/problem+json"
        assert response.get_json().get("errors"), fields


def test_bad_listings_are_refused_by_field_and_change_nothing(client, town, app):
    salma = _auth(town.salma)
    other = make_town()
    foreign = _category(other)
    bodies = [
        {"title": ""}, {"title": "x" * 500}, {"kind": "gift"}, {"category_id": foreign},
        {"category_id": 2**40}, {"category_id": "3"}, {"language": "xx"}, {"is_group": "maybe"},
        {"when_text": "x" * 900},
    ]  # fmt: skip
    refused_by_field(client, town, salma, bodies)
    assert _count(Listing) == 0
    missing = client.post(f"/api/v1/communities/{town.slug}/listings", json={}, headers=salma)
    assert missing.status_code == 422


def test_notifications_are_listed_paged_and_marked_read(client, town):
    omar = _auth(town.omar, scopes=("read",))
    for _ in range(3):
        transaction(lambda: notifications.notify(town.omar.user, "message",
                                                 community=town.community))  # fmt: skip
    transaction(lambda: notifications.notify(town.salma.user, "message", community=town.community))
    first = client.get("/api/v1/notifications?limit=2", headers=omar).get_json()
    assert first["unread"] == 3 and len(first["items"]) == 2
    assert first["items"][0]["community"] == town.slug
    assert first["items"][0]["text"] == "You have a new message"
    rest = client.get(f"/api/v1/notifications?limit=2&cursor={first['next']}", headers=omar)
    assert len(rest.get_json()["items"]) == 1 and rest.get_json()["next"] is None
    one = first["items"][0]["id"]
    assert client.post(f"/api/v1/notifications/{one}/read", headers=omar).get_json() == {
        "marked": 1
    }
    salmas = db.session.scalar(
        select(Notification.id).where(Notification.user_id == town.salma.user_id)
    )
    assert client.post(f"/api/v1/notifications/{salmas}/read", headers=omar).status_code == 404
    assert client.post("/api/v1/notifications/read", headers=omar).get_json() == {"marked": 2}
    assert client.get("/api/v1/notifications", headers=omar).get_json()["unread"] == 0
    arabic = client.get("/api/v1/notifications", headers={**omar, "Accept-Language": "ar"})
    assert arabic.get_json()["items"][0]["text"] != "You have a new message"
    assert client.get("/api/v1/notifications?cursor=-1", headers=omar).status_code == 422


def test_coordinators_list_register_suspend_and_reactivate_members(client, town):
    coordinator = _auth(town.coordinator)
    base = f"/api/v1/communities/{town.slug}/members"
    assert client.get(base, headers=_auth(town.omar)).status_code == 403
    assert client.get(base, headers=_auth(town.coordinator, scopes=("read",))).status_code == 403
    listed = client.get(f"{base}?limit=2", headers=coordinator).get_json()
    assert len(listed["items"]) == 2 and listed["total"] == 5 and listed["next"] == 2
    key = {"Idempotency-Key": "office-visit-0001"}
    made = client.post(base, json={"display_name": "Hana Saleh", "phone": "0790000000"},
                       headers={**coordinator, **key})  # fmt: skip
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["has_email"] is False and made.get_json()["status"] == "active"
    replay = client.post(base, json={"display_name": "Hana Saleh", "phone": "0790000000"},
                         headers={**coordinator, **key})  # fmt: skip
    assert replay.get_json()["id"] == made.get_json()["id"]
    assert _count(Membership) == 6
    salma = f"{base}/{town.salma.id}"
    assert client.get(salma, headers=coordinator).get_json()["display_name"] == "Salma Khoury"
    suspended = client.post(f"{salma}/suspend", headers=coordinator)
    assert suspended.status_code == 200 and suspended.get_json()["status"] == "suspended"
    db.session.expire_all()
    assert db.session.get(Membership, town.salma.id).status == MembershipStatus.SUSPENDED
    assert client.post(f"{salma}/suspend", headers=coordinator).status_code == 400
    listed = client.get(f"{base}?status=suspended", headers=coordinator).get_json()
    assert [m["id"] for m in listed["items"]] == [town.salma.id]
    assert client.post(f"{salma}/reactivate", headers=coordinator).get_json()["status"] == "active"
    themselves = client.post(f"{base}/{town.coordinator.id}/suspend", headers=coordinator)
    assert themselves.status_code == 403


@pytest.mark.parametrize(
    "body",
    [{}, {"display_name": ""}, {"display_name": "x" * 200}, {"display_name": "A", "email": "no"},
     {"display_name": "A", "locale": "fr"}, {"display_name": 5}],
)  # fmt: skip
def test_bad_members_are_problems_and_change_nothing(client, town, body):
    headers = _auth(town.coordinator, **{"Idempotency-Key": "bad-member-1"})
    response = client.post(f"/api/v1/communities/{town.slug}/members", json=body, headers=headers)
    assert 400 <= response.status_code < 500
    assert response.mimetype == "application/problem+json"
    assert _count(Membership) == 5


def test_reads_carry_an_etag_and_answer_304_when_nothing_changed(client, town):
    salma = _auth(town.salma)
    listing_id = _post_listing(client, town, salma).get_json()["id"]
    url = f"/api/v1/communities/{town.slug}/listings/{listing_id}"
    first = client.get(url, headers=salma)
    etag = first.headers["ETag"]
    assert etag and first.headers["Cache-Control"] == "private, no-cache"
    same = client.get(url, headers={**salma, "If-None-Match": etag})
    assert same.status_code == 304 and same.get_data() == b""
    client.patch(url, json={"title": "Rye bread"}, headers=salma)
    changed = client.get(url, headers={**salma, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "ETag" not in client.patch(url, json={"title": "Spelt"}, headers=salma).headers
