"""The category tree and listings (offers and requests) of a community."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.models.base import Base, enum_type, utcnow

if TYPE_CHECKING:
    from timebank.models.community import Community, Membership
    from timebank.models.neighbourhood import Neighbourhood

# How long the help a listing describes takes, when its owner says (minutes).
MIN_DURATION = 5
MAX_DURATION = 24 * 60


class Category(Base):
    """A kind of help. ``key`` is stable (the ledger records exchanges by it); names can
    change. A retired category stays on old records but is not offered for new ones; a
    merged one is retired and points at the category that replaced it."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    key: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(80))
    name_ar: Mapped[str] = mapped_column(String(80))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None]
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Category | None] = relationship(remote_side=[id], foreign_keys=[parent_id])

    __table_args__ = (
        UniqueConstraint("community_id", "key"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        CheckConstraint(
            "merged_into_id IS NULL OR merged_into_id <> id", name="not_merged_into_self"
        ),
        CheckConstraint(
            "merged_into_id IS NULL OR retired_at IS NOT NULL", name="merged_is_retired"
        ),
    )

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    def display_name(self, locale: str) -> str:
        return self.name_ar if locale == "ar" else self.name_en


class ListingKind(enum.StrEnum):
    OFFER = "offer"
    REQUEST = "request"


class ListingStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    CLOSED = "closed"
    EXPIRED = "expired"


class Listing(Base):
    """An offer ("I can help with …") or a request ("I need …"). ``search_title`` and
    ``search_body`` hold the normalised text the full-text index is built from (FTS5 on
    SQLite, a GIN expression index on PostgreSQL — both created by the migration)."""

    __tablename__ = "listings"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    kind: Mapped[ListingKind] = mapped_column(enum_type(ListingKind, "listing_kind"))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    # Where, picked from the community's list; ``neighbourhood`` keeps only words that
    # name no entry (sent by an API client), as on profiles.
    neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="SET NULL")
    )
    neighbourhood: Mapped[str | None] = mapped_column(String(80))
    duration_minutes: Mapped[int | None]
    when_text: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5))
    is_group: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ListingStatus] = mapped_column(
        enum_type(ListingStatus, "listing_status"), default=ListingStatus.ACTIVE
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    renewed_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]
    reminder_sent_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    search_title: Mapped[str] = mapped_column(Text, default="")
    search_body: Mapped[str] = mapped_column(Text, default="")

    community: Mapped[Community] = relationship()
    owner: Mapped[Membership] = relationship()
    category: Mapped[Category] = relationship()
    # Joined: every page that shows a listing names its place.
    place: Mapped[Neighbourhood | None] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("length(title) BETWEEN 1 AND 120", name="title_length"),
        CheckConstraint(
            f"duration_minutes IS NULL OR duration_minutes BETWEEN {MIN_DURATION} AND "
            f"{MAX_DURATION}",
            name="duration_range",
        ),
        CheckConstraint("length(description) <= 5000", name="description_length"),
        # Newest-first browsing and its count, without reading rows.
        Index(
            "ix_listings_browse", "community_id", "status", "created_at", "expires_at", "owner_id"
        ),
        Index("ix_listings_expiry", "status", "expires_at"),
        # A neighbourhood's newest open listings (browse filter, the member home).
        Index(
            "ix_listings_neighbourhood_id",
            "community_id",
            "neighbourhood_id",
            "status",
            "created_at",
        ),  # fmt: skip
    )

    def place_name(self, locale: str) -> str | None:
        """Where, in the reader's language (the entry's name, else the owner's words)."""
        return self.place.display_name(locale) if self.place is not None else self.neighbourhood
