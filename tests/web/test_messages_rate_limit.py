"""Flooding: sending messages is rate-limited per member (rate limits on in this module)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.companion_factories import make_conversation
from tests.factories import PASSWORD, make_community, make_member
from timebank.extensions import db
from timebank.models import Message


@pytest.fixture
def app_config() -> dict:
    return {
        "RATELIMIT_ENABLED": True,
        "MESSAGE_RATE_LIMIT": "3 per hour",
        "LOGIN_RATE_LIMIT": "100 per minute",
    }


def test_sending_more_messages_than_the_limit_is_refused(auth, app):
    """The fourth message within the hour gets a 429 and is not saved; the other member
    can still write."""
    community = make_community()
    a = make_member(community, email="flood@example.org")
    b = make_member(community, email="calm@example.org")
    conversation = make_conversation(a, b)
    url = f"/c/{community.slug}/conversations/{conversation.id}"
    auth.login("flood@example.org", PASSWORD)
    for n in range(3):
        assert auth.post(url, {"body": f"message {n}"}, page=url).status_code == 302
    response = auth.post(url, {"body": "one too many"}, page=url)
    assert response.status_code == 429
    count = db.session.scalar(select(func.count()).select_from(Message))
    assert count == 4  # the first message plus three
    auth.logout()
    auth.login("calm@example.org", PASSWORD)
    assert auth.post(url, {"body": "still fine"}, page=url).status_code == 302
