"""Personal access tokens for the JSON API (``/api/v1/``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.models.base import Base, utcnow
from timebank.models.user import User


class ApiToken(Base):
    """A member's named, scoped token. Only the SHA-256 of the secret is stored; the
    visible ``prefix`` (``tbk_`` and eight characters) lets the member and secret scanners
    recognise it. It works while not revoked or expired, while its holder's account is
    enabled and their password is the one it was created under (``password_stamp``)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(200))
    password_stamp: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    __table_args__ = (CheckConstraint("length(name) > 0", name="api_token_named"),)

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class ApiIdempotencyKey(Base):
    """An ``Idempotency-Key`` a caller used to create something outside the ledger (a
    listing, a member), claimed in the creation's own transaction: the unique
    (user, key) means two simultaneous requests with one key create one thing (the
    second waits, then replays the first's answer). Only digests are kept."""

    __tablename__ = "api_idempotency_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    operation: Mapped[str] = mapped_column(String(40))
    key_digest: Mapped[str] = mapped_column(String(64))
    body_digest: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "key_digest"),)
