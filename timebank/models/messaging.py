"""Conversations between two members, their messages, reports to coordinators, and
in-app notifications with per-member preferences (issue 4)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from timebank.models.base import Base, utcnow


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    starter_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id"))
    # Set when a member reports it or a concern is raised: coordinators may then read it.
    opened_to_coordinators_at: Mapped[datetime | None]
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (CheckConstraint("starter_id <> other_id", name="two_members"),)


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"))
    body: Mapped[str | None] = mapped_column(Text)  # erasable
    # A proxy who wrote it on the author's behalf ("by X on behalf of Y"); else None.
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_messages_conversation", "conversation_id", "created_at"),)


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int]
    reason: Mapped[str | None] = mapped_column(Text)  # erasable
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint(
            "target_type IN ('listing', 'message', 'member', 'conversation')", name="target_known"
        ),
        CheckConstraint("status IN ('open', 'closed')", name="status_known"),
    )


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    kind: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None]
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at", "created_at"),
        # The inbox, newest first (migration s_scale_1).
        Index("ix_notifications_user_created", "user_id", "created_at", "id"),
    )


class NotificationPreference(Base):
    """E-mail on or off for one kind of notification (``digest`` is the weekly digest).
    No row means the default: e-mail on, digest on."""

    __tablename__ = "notification_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    email: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (UniqueConstraint("user_id", "kind"),)


class DigestRun(Base):
    """One row per member and ISO week a digest went out: makes ``send-digest``
    idempotent."""

    __tablename__ = "digest_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    week: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "week"),)
