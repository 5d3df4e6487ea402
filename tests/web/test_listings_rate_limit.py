"""Flooding: posting listings is rate-limited per member (rate limits on in this module)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_community, make_member
from tests.listing_factories import category
from timebank.extensions import db
from timebank.models import Listing


@pytest.fixture
def app_config() -> dict:
    return {
        "RATELIMIT_ENABLED": True,
        "LISTING_RATE_LIMIT": "3 per hour",
        "LOGIN_RATE_LIMIT": "100 per minute",
    }


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Listing))


def test_posting_more_than_the_limit_is_refused(auth, client):
    """The fourth listing within the hour gets a translated 429 page and is not saved;
    failed attempts do not count, and another member is not affected."""
    community = make_community()
    make_member(community, email="flood@example.org")
    make_member(community, email="calm@example.org")
    new = f"/c/{community.slug}/listings/new"
    form = {
        "kind": "offer",
        "description": "",
        "language": "en",
        "category_id": str(category(community, "other").id),
    }
    auth.login("flood@example.org", PASSWORD)
    assert auth.post(new, {**form, "title": ""}, page=new).status_code == 200  # not counted
    for n in range(3):
        assert auth.post(new, {**form, "title": f"Post {n}"}, page=new).status_code == 302
    refused = auth.post(new, {**form, "title": "One too many"}, page=new)
    assert refused.status_code == 429
    assert "<html" in refused.get_data(as_text=True)
    assert _count() == 3
    assert client.get(new).status_code == 200  # reading the form is not limited
    auth.logout()
    auth.login("calm@example.org", PASSWORD)
    assert auth.post(new, {**form, "title": "Calm post"}, page=new).status_code == 302
    assert _count() == 4
