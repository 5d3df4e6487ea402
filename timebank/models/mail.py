"""Outgoing mail, kept as an outbox so a demo works without SMTP. A message is sent by the
``send_mail`` job; a failed send is tried again later (``next_attempt_at``) until the last
attempt, after which ``error`` says why it was given up (the dead letters on the outbox
page)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from timebank.models.base import Base, utcnow


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(200))
    # Sending attempts so far; no new attempt starts before ``next_attempt_at`` (while one
    # runs, a lease; after a failure, the backoff).
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    next_attempt_at: Mapped[datetime | None]

    __table_args__ = (
        # The mail still to send (and given up), found without reading the sent history: the
        # send job's claim, the outbox's dead letters and the backlog the metrics report.
        Index(
            "ix_outbox_messages_unsent",
            "id",
            sqlite_where=text("sent_at IS NULL"),
            postgresql_where=text("sent_at IS NULL"),
        ),
    )
