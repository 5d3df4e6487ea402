"""Append-only audit trail (UPDATE and DELETE are refused by database triggers)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from timebank.models.base import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(String(20), default="ok")
    # Identifiers and figures only, never personal data: this table is never erased.
    details: Mapped[dict | None] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_audit_events_community_created", "community_id", "created_at"),
        Index("ix_audit_events_object", "object_type", "object_id"),
        # The console's log, newest first, and its list of actions (migration s_scale_1).
        Index("ix_audit_events_community_id", "community_id", "id"),
        Index("ix_audit_events_community_action", "community_id", "action"),
    )
