"""The events endpoints may ask for, and what each one carries. ``emit`` writes one
delivery per endpoint that wants the event, in the caller's transaction; the commit hands
them to the ``deliver_webhooks`` job (``database.transaction``), so nothing is sent about
work that was rolled back.

A payload carries ids, minutes, dates and statuses only: never a name, an e-mail address,
a phone number or free text (a concern's note stays in the app), so it tells the
receiving coordinators nothing they could not see on their own pages."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from timebank.extensions import db
from timebank.models import (
    Exchange,
    Listing,
    Membership,
    Visit,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)

# Set in ``db.session.info`` when the transaction wrote deliveries to send after its commit.
PENDING = "timebank.webhooks_pending"

EVENTS = {
    "exchange.recorded": _l("An exchange was recorded"),
    "exchange.confirmed": _l("An exchange was confirmed"),
    "exchange.approved": _l("An exchange was approved"),
    "exchange.reversed": _l("An exchange was reversed"),
    "member.joined": _l("A member joined"),
    "listing.created": _l("A listing was posted"),
    "companionship.concern": _l("A concern was raised after a visit"),
}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value"):  # an Enum
        return value.value
    return value


def emit(community_id: int, event: str, data: dict[str, Any]) -> int:
    """Write a delivery of ``event`` for each active endpoint of the community that asked
    for it; returns how many. The body (kept as sent, so every attempt signs the same
    bytes) is ``{"event", "community_id", "occurred_at", "data"}``."""
    assert event in EVENTS, event
    endpoints = db.session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.community_id == community_id, WebhookEndpoint.revoked_at.is_(None)
        )
    ).all()
    wanted = [endpoint for endpoint in endpoints if event in endpoint.event_set]
    if not wanted:
        return 0
    now = utcnow()
    body = json.dumps(
        {"event": event, "community_id": community_id, "occurred_at": now.isoformat(),
         "data": {key: _plain(value) for key, value in data.items()}},
        separators=(",", ":"), sort_keys=True,
    )  # fmt: skip
    for endpoint in wanted:
        db.session.add(
            WebhookDelivery(community_id=community_id, endpoint_id=endpoint.id, event=event,
                            payload=body, status="pending", created_at=now)
        )  # fmt: skip
    db.session.info[PENDING] = True
    return len(wanted)


def exchange(event: str, item: Exchange) -> int:
    """``exchange.recorded`` / ``confirmed`` / ``approved`` / ``reversed`` (for a reversal,
    ``item`` is the reversal and ``reverses_exchange_id`` the original)."""
    return emit(item.community_id, event, {
        "exchange_id": item.id, "kind": item.kind, "status": item.status,
        "minutes": item.minutes, "service_date": item.service_date, "category": item.category,
        "listing_id": item.listing_id, "reverses_exchange_id": item.reverses_exchange_id,
    })  # fmt: skip


def member_joined(membership: Membership) -> int:
    return emit(membership.community_id, "member.joined", {
        "membership_id": membership.id, "member_number": membership.member_number,
        "status": membership.status,
    })  # fmt: skip


def listing_created(listing: Listing) -> int:
    return emit(listing.community_id, "listing.created", {
        "listing_id": listing.id, "kind": listing.kind, "status": listing.status,
        "category_id": listing.category_id, "created_at": listing.created_at,
        "expires_at": listing.expires_at,
    })  # fmt: skip


def concern_raised(community_id: int, visit: Visit) -> int:
    return emit(community_id, "companionship.concern", {
        "visit_id": visit.id, "exchange_id": visit.exchange_id,
        "arrangement_id": visit.arrangement_id, "raised_at": visit.alert_raised_at,
    })  # fmt: skip
