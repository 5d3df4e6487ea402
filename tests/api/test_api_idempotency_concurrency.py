"""Simultaneous POSTs with one Idempotency-Key, in real threads released together by a
barrier, each its own request (as concurrent clients are): one listing, one member, one
exchange is created, every answer replays it, and a different body with the key is a
409. Runs on SQLite and, with TIMEBANK_TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.web.ledger_helpers import make_town
from timebank.database import transaction
from timebank.extensions import db
from timebank.models import ApiIdempotencyKey, Category, Exchange, Listing, Membership
from timebank.services.auth import tokens
from timebank.services.ledger.verification import verify_community

THREADS = 6


@pytest.fixture
def app_config():
    options = {"pool_size": 20, "max_overflow": 5, "pool_timeout": 60, "pool_pre_ping": True}
    return {"SQLALCHEMY_ENGINE_OPTIONS": options, "RATELIMIT_ENABLED": False}


def _secret(membership, scopes) -> str:
    return transaction(
        lambda: tokens.create(membership.user, name="race", scopes=scopes, expires_on=None)
    ).secret


def _race(app, url: str, bodies: list[dict], headers: dict) -> list[tuple[int, dict]]:
    """POST each body at once, from its own thread; (status, json) of each."""
    db.session.commit()  # the test's session must not hold SQLite's write lock
    barrier = threading.Barrier(len(bodies))
    answers: list[tuple[int, dict]] = [(0, {})] * len(bodies)

    def post(index: int, body: dict) -> None:
        client = app.test_client()
        barrier.wait(timeout=60)
        response = client.post(url, json=body, headers=headers)
        answers[index] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=post, args=(i, b)) for i, b in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    db.session.expire_all()
    return answers


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_simultaneous_listing_posts_with_one_key_create_one_listing(app):
    town = make_town()
    secret = _secret(town.salma, ["listings:write"])
    category = db.session.scalar(select(Category.id).filter_by(community_id=town.community.id))
    body = {"kind": "offer", "title": "Bread on Fridays", "category_id": category}
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "race-listing-1"}
    answers = _race(app, f"/api/v1/communities/{town.slug}/listings", [body] * THREADS, headers)
    assert {status for status, _ in answers} == {201}, answers
    assert len({json["id"] for _, json in answers}) == 1
    assert _count(Listing) == 1
    assert _count(ApiIdempotencyKey) == 1


def test_simultaneous_member_registrations_with_one_key_register_one_member(app):
    town = make_town()
    secret = _secret(town.coordinator, ["coordinate"])
    before = _count(Membership)
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "race-member-1"}
    answers = _race(app, f"/api/v1/communities/{town.slug}/members",
                    [{"display_name": "Hana Saleh"}] * THREADS, headers)  # fmt: skip
    assert {status for status, _ in answers} == {201}, answers
    assert len({json["id"] for _, json in answers}) == 1
    assert _count(Membership) == before + 1


def test_one_key_with_different_bodies_at_once_creates_one_and_refuses_the_rest(app):
    town = make_town()
    secret = _secret(town.salma, ["listings:write"])
    category = db.session.scalar(select(Category.id).filter_by(community_id=town.community.id))
    bodies = [{"kind": "offer", "title": f"Lesson {n}", "category_id": category}
              for n in range(THREADS)]  # fmt: skip
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "race-listing-2"}
    answers = _race(app, f"/api/v1/communities/{town.slug}/listings", bodies, headers)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * (THREADS - 1), answers
    assert _count(Listing) == 1


def test_simultaneous_exchange_records_with_one_key_post_once(app):
    town = make_town(require_confirmation=False)
    secret = _secret(town.salma, ["exchanges:write"])
    body = {"provider_id": town.salma.id, "recipient_id": town.omar.id, "minutes": 45,
            "service_date": (date.today() - timedelta(days=1)).isoformat(),
            "category": "gardening"}  # fmt: skip
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "race-exchange-1"}
    answers = _race(app, f"/api/v1/communities/{town.slug}/exchanges", [body] * THREADS, headers)
    assert {status for status, _ in answers} == {201}, answers
    assert len({json["id"] for _, json in answers}) == 1
    assert _count(Exchange) == 1
    assert verify_community(town.community).ok
