"""The console's webhook pages: add an endpoint (the secret shown once), bad input next to
its field, remove; the deliveries page with status, response code and "Redeliver";
coordinators only."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_community, make_member
from tests.services.conftest import key
from tests.webhooks.receiver import add_endpoint, deliveries
from timebank.database import transaction
from timebank.extensions import db
from timebank.models import AuditEvent, Role, WebhookEndpoint
from timebank.services.exchanges import lifecycle as exchanges


@pytest.fixture
def app_config() -> dict:
    return {"WEBHOOK_MAX_ATTEMPTS": 1}


@pytest.fixture
def bank(app):
    community = make_community()
    coordinator = make_member(community, role=Role.COORDINATOR)
    a, b = make_member(community, password=None), make_member(community, password=None)
    return community, coordinator, a, b


def _pages(community) -> tuple[str, str]:
    base = f"/c/{community.slug}/coordinator/webhooks/"
    return base, base + "deliveries"


def test_a_coordinator_adds_an_endpoint_and_sees_its_secret_once(bank, auth):
    community, coordinator, _a, _b = bank
    auth.login(coordinator.user.email, PASSWORD)
    page, _ = _pages(community)
    response = auth.post(
        page,
        {"url": "https://hooks.example.org/tb", "events": ["member.joined", "listing.created"]},
        page=page,
    )  # fmt: skip
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert endpoint.secret in html and endpoint.secret.startswith("whsec_")
    assert endpoint.events == "member.joined listing.created"
    again = auth.client.get(page).get_data(as_text=True)
    assert "https://hooks.example.org/tb" in again and endpoint.secret not in again
    assert "A member joined" in again
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "webhook.add")) == 1
    removed = auth.post(f"{page}{endpoint.id}/remove", page=page)
    assert removed.status_code == 302
    assert "https://hooks.example.org/tb" not in auth.client.get(page).get_data(as_text=True)
    db.session.refresh(endpoint)
    assert endpoint.revoked_at is not None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "http://hooks.example.org/tb", "events": ["member.joined"]},
         "The address must start with https://."),
        ({"url": "", "events": ["member.joined"]}, "Enter the endpoint's address."),
        ({"url": "https://hooks.example.org/tb"}, "Choose at least one event."),
        ({"url": "https://h.example.org/tb", "events": ["member.left"]}, "is not a valid choice"),
    ],
)  # fmt: skip
def test_bad_input_is_shown_next_to_the_field_and_saves_nothing(bank, auth, data, message):
    community, coordinator, _a, _b = bank
    auth.login(coordinator.user.email, PASSWORD)
    page, _ = _pages(community)
    response = auth.post(page, data, page=page)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "error-message" in html
    assert db.session.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0


def test_the_deliveries_page_shows_the_answer_and_redelivers(bank, auth):
    """A delivery given up (one attempt allowed here) is listed with its code; "Redeliver"
    sends it again."""
    from tests.webhooks.receiver import start_receiver

    community, coordinator, a, b = bank
    receiver, server = start_receiver()
    try:
        add_endpoint(community, coordinator.user, receiver.url)
        receiver.codes = [502]
        transaction(
            lambda: exchanges.record(
                community, actor=a.user, provider=a, recipient=b, minutes=30,
                service_date=date(2026, 11, 2), category="gardening", idempotency_key=key(),
            )
        )  # fmt: skip
        (delivery,) = deliveries()
        assert delivery.status == "failed"
        auth.login(coordinator.user.email, PASSWORD)
        _, listing = _pages(community)
        html = auth.client.get(listing).get_data(as_text=True)
        assert "exchange.recorded" in html and "502" in html and "Given up" in html
        assert receiver.url in html and "Redeliver" in html
        response = auth.post(f"{listing}/{delivery.id}/redeliver", page=listing)
        assert response.status_code == 302
        assert len(receiver.received) == 2
        html = auth.client.get(listing).get_data(as_text=True)
        assert "Delivered" in html and "Given up" not in html
    finally:
        server.shutdown()
        server.server_close()


def test_members_and_other_communities_are_kept_out(bank, auth):
    community, coordinator, a, _b = bank
    add_endpoint(community, coordinator.user, "https://hooks.example.org/tb")
    other = make_community()
    other_coordinator = make_member(other, role=Role.COORDINATOR)
    member = make_member(community)
    page, listing = _pages(community)
    auth.login(member.user.email, PASSWORD)
    assert auth.client.get(page).status_code == 403
    assert auth.client.get(listing).status_code == 403
    auth.logout()
    auth.login(other_coordinator.user.email, PASSWORD)
    endpoint_id = db.session.scalar(select(WebhookEndpoint.id))
    other_page, _ = _pages(other)
    assert auth.post(f"{other_page}{endpoint_id}/remove", page=other_page).status_code == 404
    assert db.session.get(WebhookEndpoint, endpoint_id).revoked_at is None
