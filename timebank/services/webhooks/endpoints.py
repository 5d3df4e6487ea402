"""A community's webhook endpoints and their deliveries, as its coordinators manage them:
add (the secret is returned once, to be shown once), remove, list, redeliver."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from timebank.extensions import db
from timebank.models import Community, User, WebhookDelivery, WebhookEndpoint, utcnow
from timebank.services import audit, permissions
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.webhooks import addresses
from timebank.services.webhooks import events as webhook_events

MAX_ENDPOINTS = 10


@dataclass(frozen=True)
class Added:
    endpoint: WebhookEndpoint
    secret: str  # shown to the coordinator once, never again


def _check_coordinator(actor: User, community: Community) -> None:
    if not permissions.can_manage_members(actor, community):
        raise NotAllowed()


def check_url(url: str | None) -> str:
    """An absolute ``https://`` address with a host; plain ``http://`` only to this
    machine (127.0.0.1, localhost) in tests or with ``WEBHOOK_ALLOW_LOCAL_HTTP``; never
    a host that is or resolves to a private, loopback or link-local address, unless
    ``WEBHOOK_ALLOW_PRIVATE_ADDRESSES`` (``addresses``)."""
    url = (url or "").strip()
    if not url:
        raise InvalidInput(_l("Enter the endpoint's address."), field="url")
    if len(url) > 500:
        raise InvalidInput(_l("The address is too long (500 characters at most)."), field="url")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        host = None
    if not host or any(ch.isspace() for ch in url) or parts.username or parts.password:
        raise InvalidInput(_l("Enter a full address, such as https://example.org/hook."),
                           field="url")  # fmt: skip
    if parts.scheme != "https" and not addresses.local_http_allowed(parts.scheme, host):
        raise InvalidInput(_l("The address must start with https://."), field="url")
    if addresses.leads_inside(parts.scheme, host):
        raise InvalidInput(
            _l("This address leads to a private or local network. Give an address on the "
               "internet."),
            field="url",
        )  # fmt: skip
    return url


def check_events(chosen: list[str] | None) -> str:
    picked = [event for event in webhook_events.EVENTS if event in set(chosen or [])]
    if not picked or len(picked) != len(set(chosen or [])):
        raise InvalidInput(_l("Choose at least one event."), field="events")
    return " ".join(picked)


def active(community: Community) -> list[WebhookEndpoint]:
    """The community's endpoints that were not removed, oldest first."""
    return list(
        db.session.scalars(
            select(WebhookEndpoint)
            .where(
                WebhookEndpoint.community_id == community.id,
                WebhookEndpoint.revoked_at.is_(None),
            )
            .order_by(WebhookEndpoint.id)
        )
    )


def add(community: Community, *, actor: User, url: str | None, events: list[str] | None) -> Added:
    """Register an endpoint (a coordinator; at most ``MAX_ENDPOINTS`` at a time) with a new
    random secret, returned here and never shown again. Audited (without the secret)."""
    _check_coordinator(actor, community)
    url = check_url(url)
    chosen = check_events(events)
    if len(active(community)) >= MAX_ENDPOINTS:
        raise InvalidInput(
            _l("A community can have at most %(n)d endpoints.", n=MAX_ENDPOINTS), field="url"
        )
    secret = "whsec_" + secrets.token_hex(32)
    endpoint = WebhookEndpoint(community_id=community.id, url=url, events=chosen, secret=secret,
                               created_by_id=actor.id, created_at=utcnow())  # fmt: skip
    db.session.add(endpoint)
    db.session.flush()
    audit.record("webhook.add", actor=actor, community_id=community.id, obj=endpoint,
                 details={"url": url, "events": chosen})  # fmt: skip
    return Added(endpoint, secret)


def remove(endpoint: WebhookEndpoint, *, actor: User) -> None:
    """Stop sending to an endpoint (its deliveries stay listed; those still waiting are
    given up). Audited."""
    community = db.session.get_one(Community, endpoint.community_id)
    _check_coordinator(actor, community)
    if endpoint.revoked_at is not None:
        return
    endpoint.revoked_at = utcnow()
    waiting = db.session.scalars(
        select(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == "pending"
        )
    )
    for delivery in waiting:
        delivery.status, delivery.next_attempt_at = "failed", None
        delivery.last_error = "endpoint removed"
    audit.record("webhook.remove", actor=actor, community_id=community.id, obj=endpoint)


def deliveries_page(community: Community, *, page: int, per_page: int) -> Pagination:
    """The community's deliveries, newest first."""
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.community_id == community.id)
        .order_by(WebhookDelivery.id.desc())
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def urls(community: Community) -> dict[int, str]:
    """Every endpoint's address by id, removed ones too (for the deliveries page)."""
    rows = db.session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.url).where(
            WebhookEndpoint.community_id == community.id
        )
    )
    return {endpoint_id: url for endpoint_id, url in rows}


def redeliver(delivery: WebhookDelivery, *, actor: User) -> bool:
    """Send a delivery again, with a fresh set of attempts (delivered or given up; one
    still waiting is left as it is, and so is one whose endpoint was removed). The commit
    hands it to ``deliver_webhooks``. Audited."""
    community = db.session.get_one(Community, delivery.community_id)
    _check_coordinator(actor, community)
    endpoint = db.session.get_one(WebhookEndpoint, delivery.endpoint_id)
    if endpoint.revoked_at is not None:
        raise InvalidInput(_l("This endpoint was removed."), field="delivery")
    if delivery.status == "pending":
        return False
    delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, None
    delivery.last_error = None
    db.session.info[webhook_events.PENDING] = True
    audit.record("webhook.redeliver", actor=actor, community_id=community.id, obj=delivery)
    return True
