"""Webhooks: a community's HTTPS endpoints told of events, and each delivery to one of
them (the deliveries page). The secret is kept, since every delivery is signed with it;
the coordinator sees it once, when the endpoint is added."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from timebank.models.base import Base, utcnow


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    # The event names it wants, space-separated (``services.webhooks.EVENTS``).
    events: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(80))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Removed endpoints are kept (their deliveries stay listed) but get nothing more.
    revoked_at: Mapped[datetime | None]

    __table_args__ = (CheckConstraint("length(url) > 0", name="webhook_endpoint_url"),)

    @property
    def event_set(self) -> frozenset[str]:
        return frozenset(self.events.split())

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class WebhookDelivery(Base):
    """One event for one endpoint: ``pending`` (due at ``next_attempt_at``, or now),
    ``delivered`` (a 2xx answer) or ``failed`` (given up after the last attempt)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"))
    event: Mapped[str] = mapped_column(String(60))
    # The exact body sent (JSON text), so every attempt signs the same bytes.
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    next_attempt_at: Mapped[datetime | None]
    response_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'delivered', 'failed')", name="webhook_delivery_status"
        ),
        Index("ix_webhook_deliveries_community_id_id", "community_id", "id"),
        Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),
    )
