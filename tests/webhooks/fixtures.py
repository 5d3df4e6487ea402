"""Objects the access walk needs for the webhook pages' URL arguments, made once per world."""

from __future__ import annotations

from timebank.extensions import db
from timebank.models import WebhookDelivery, WebhookEndpoint


def endpoint(world) -> WebhookEndpoint:
    if not hasattr(world, "_webhook_endpoint"):
        world._webhook_endpoint = WebhookEndpoint(
            community_id=world.community.id, url="https://hooks.example.org/timebank",
            events="member.joined", secret="whsec_test", created_by_id=world.coordinator.id,
        )  # fmt: skip
        db.session.add(world._webhook_endpoint)
        db.session.commit()
    return world._webhook_endpoint


def delivery(world) -> WebhookDelivery:
    """A delivery given up after its attempts (so "Redeliver" applies)."""
    if not hasattr(world, "_webhook_delivery"):
        world._webhook_delivery = WebhookDelivery(
            community_id=world.community.id, endpoint_id=endpoint(world).id,
            event="member.joined", payload="{}", status="failed", attempts=6,
            response_code=500, last_error="HTTP 500",
        )  # fmt: skip
        db.session.add(world._webhook_delivery)
        db.session.commit()
    return world._webhook_delivery
