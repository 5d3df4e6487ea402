"""Sending deliveries, as the outbox sends mail (``messaging.mail``): claim what is due
with a compare-and-set (an attempt and a lease), post it outside any transaction, record
how it went: delivered on a 2xx answer, else tried again after a doubling wait, given up
after ``WEBHOOK_MAX_ATTEMPTS``.

Each request carries ``Timebank-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<body>" keyed with the endpoint's secret>`` (the recipe in docs/api.md)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.engine import CursorResult

from timebank.extensions import db
from timebank.models import WebhookDelivery, WebhookEndpoint
from timebank.services.messaging import mail
from timebank.services.webhooks import addresses
from timebank.services.webhooks.events import PENDING

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
USER_AGENT = "Timebank-Webhooks/1"


def deliver_pending() -> None:
    """Hand the committed deliveries to the job runner (``database.transaction`` calls it
    after a commit that wrote some)."""
    current_app.extensions[mail.DISPATCH]("deliver_webhooks")


def forget_pending() -> bool:
    return bool(db.session.info.pop(PENDING, False))


@dataclass(frozen=True)
class Envelope:
    id: int
    url: str
    secret: str
    event: str
    body: str
    attempts: int


def sign(secret: str, timestamp: int, body: str) -> str:
    """The ``Timebank-Signature`` header's value."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        WebhookDelivery.status == "pending",
        or_(WebhookDelivery.next_attempt_at.is_(None), WebhookDelivery.next_attempt_at <= now),
    )


def claim_due(*, now: datetime, limit: int = 20) -> list[Envelope]:
    """Claim up to ``limit`` due deliveries (compare-and-set on the attempt count), each
    held for ``LEASE`` while it is tried: two workers never post the same attempt."""
    rows = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.attempts)
        .where(_due(now))
        .order_by(WebhookDelivery.id)
        .limit(limit)
    ).all()
    claimed = []
    for delivery_id, attempts in rows:
        claim = (
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.attempts == attempts,
                   _due(now))
            .values(attempts=attempts + 1, next_attempt_at=now + LEASE)
        )  # fmt: skip
        if cast("CursorResult[Any]", db.session.execute(claim)).rowcount == 1:
            delivery = db.session.get_one(WebhookDelivery, delivery_id)
            db.session.refresh(delivery)
            endpoint = db.session.get_one(WebhookEndpoint, delivery.endpoint_id)
            claimed.append(Envelope(delivery.id, endpoint.url, endpoint.secret, delivery.event,
                                    delivery.payload, delivery.attempts))  # fmt: skip
    return claimed


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer like any other non-2xx one: not followed."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)
# Where private addresses are not allowed: each connection checks the address it makes.
_GUARDED_OPENER = urllib.request.build_opener(
    _NoRedirect, addresses.GuardedHTTPHandler, addresses.GuardedHTTPSHandler
)


def send(envelope: Envelope, *, now: float | None = None) -> tuple[int | None, str | None]:
    """Post one delivery; returns the response code (None when there was no answer) and
    what went wrong (None for a 2xx answer). Outside any transaction."""
    if not envelope.url.startswith(("https://", "http://")):  # checked when added, too
        return None, "not an http(s) address"
    parts = urlsplit(envelope.url)
    host = parts.hostname or ""
    if addresses.leads_inside(parts.scheme, host):  # checked when added, too
        return None, "refused: a private or local address"
    guarded = not (addresses.private_allowed() or addresses.local_http_allowed(parts.scheme, host))
    timestamp = int(now if now is not None else time.time())
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        envelope.url,
        data=envelope.body.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Timebank-Event": envelope.event,
            "Timebank-Delivery": str(envelope.id),
            "Timebank-Signature": sign(envelope.secret, timestamp, envelope.body),
        },
    )
    timeout = float(current_app.config.get("WEBHOOK_TIMEOUT_SECONDS", 5))
    try:
        opener = _GUARDED_OPENER if guarded else _OPENER
        with opener.open(request, timeout=timeout) as response:  # noqa: S310
            code = response.status
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:200]
    if 200 <= code < 300:
        return code, None
    return code, f"HTTP {code}"


def backoff(attempts: int) -> timedelta:
    """``WEBHOOK_RETRY_SECONDS`` doubled after each failure, at most a day."""
    first = int(current_app.config.get("WEBHOOK_RETRY_SECONDS", 60))
    return min(timedelta(seconds=first * 2 ** max(attempts - 1, 0)), timedelta(days=1))


def record_attempt(
    envelope: Envelope, code: int | None, error: str | None, *, now: datetime
) -> timedelta | None:
    """Record an attempt: delivered; or failed, tried again after ``backoff`` (returned);
    or failed for the last time, given up (``failed``, listed with its last answer)."""
    delivery = db.session.get_one(WebhookDelivery, envelope.id)
    if delivery.status != "pending" or delivery.attempts != envelope.attempts:
        return None  # redelivered or removed meanwhile
    delivery.response_code = code
    if error is None:
        delivery.status, delivery.next_attempt_at = "delivered", None
        delivery.delivered_at, delivery.last_error = now, None
        return None
    delivery.last_error = error[:200]
    if envelope.attempts >= int(current_app.config.get("WEBHOOK_MAX_ATTEMPTS", 6)):
        delivery.status, delivery.next_attempt_at = "failed", None
        log.warning("webhook delivery #%d given up after %d attempts: %s", delivery.id,
                    envelope.attempts, error)  # fmt: skip
        return None
    wait = backoff(envelope.attempts)
    delivery.next_attempt_at = now + wait
    return wait
