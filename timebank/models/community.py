"""Communities (time banks) and memberships of users in them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.models.base import Base, enum_type, utcnow

if TYPE_CHECKING:
    from timebank.models.user import User


class Role(enum.StrEnum):
    MEMBER = "member"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class MembershipStatus(enum.StrEnum):
    APPLYING = "applying"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    LEFT = "left"
    DECLINED = "declined"


class Community(Base):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_ar: Mapped[str | None] = mapped_column(String(120))
    # The tagline shown under the name, in English (``description``) and Arabic.
    description: Mapped[str | None] = mapped_column(Text)
    description_ar: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(5), default="en")
    accepting_applications: Mapped[bool] = mapped_column(default=True)
    next_member_number: Mapped[int] = mapped_column(default=1)
    listing_expiry_days: Mapped[int] = mapped_column(default=90, server_default="90")
    # The visitor's home page may show a few open offers (title, category, date; never
    # who offers them). Off until a coordinator switches it on.
    public_offers: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Exchange policy (DESIGN.md §5), edited by coordinators through services.exchanges.
    require_confirmation: Mapped[bool] = mapped_column(default=True, server_default=true())
    # The approval policy: a list of conditions (comma-separated ApprovalCondition values,
    # empty: agreed exchanges post at once), any of which sends an exchange to approval.
    approval_conditions: Mapped[str] = mapped_column(
        String(200), default="", server_default=text("''")
    )
    approval_categories: Mapped[str] = mapped_column(
        String(400), default="", server_default=text("''")
    )
    approval_first_exchanges: Mapped[int] = mapped_column(default=3, server_default=text("3"))
    approval_above_minutes: Mapped[int] = mapped_column(default=240, server_default=text("240"))
    default_credit_limit: Mapped[int] = mapped_column(default=600, server_default=text("600"))
    default_upper_limit: Mapped[int | None]
    max_minutes_per_exchange: Mapped[int] = mapped_column(default=480, server_default=text("480"))
    pending_expiry_days: Mapped[int] = mapped_column(default=30, server_default=text("30"))

    # Metrics and reports (issue 6): members may see the reduced dashboard; an optional
    # value per hour (in cents of ``value_currency``) for the estimated social value.
    members_see_metrics: Mapped[bool] = mapped_column(default=False, server_default=false())
    value_per_hour_cents: Mapped[int | None]
    value_currency: Mapped[str | None] = mapped_column(String(3))

    # Sign-in (issue 20): coordinators and admins must use two-factor sign-in before they
    # reach any of the community's pages; members may have a device remembered for 30 days.
    require_two_factor: Mapped[bool] = mapped_column(default=False, server_default=false())
    allow_remembered_devices: Mapped[bool] = mapped_column(default=False, server_default=false())

    memberships: Mapped[list[Membership]] = relationship(back_populates="community")

    __table_args__ = (
        CheckConstraint("length(slug) >= 2", name="slug_length"),
        CheckConstraint("next_member_number >= 1", name="next_member_number_positive"),
        CheckConstraint(
            "approval_first_exchanges BETWEEN 1 AND 100", name="approval_first_exchanges_range"
        ),
        CheckConstraint("approval_above_minutes >= 1", name="approval_above_minutes_positive"),
        CheckConstraint("default_credit_limit >= 0", name="default_credit_limit_non_negative"),
        CheckConstraint(
            "default_upper_limit IS NULL OR default_upper_limit >= 0",
            name="default_upper_limit_non_negative",
        ),
        CheckConstraint("max_minutes_per_exchange BETWEEN 1 AND 100000", name="max_minutes_range"),
        CheckConstraint("pending_expiry_days >= 1", name="pending_expiry_days_positive"),
        CheckConstraint("listing_expiry_days BETWEEN 1 AND 3650", name="listing_expiry_days_range"),
        CheckConstraint(
            "value_per_hour_cents IS NULL OR (value_per_hour_cents BETWEEN 0 AND 100000000)",
            name="value_per_hour_non_negative",
        ),
    )

    def display_name(self, locale: str) -> str:
        """The name in the reader's language (the English one when no Arabic is set).
        Every page, e-mail and report names the community through this."""
        return self.name_ar if locale == "ar" and self.name_ar else self.name

    def tagline(self, locale: str) -> str:
        """The tagline in the reader's language: the other one when it has none in it."""
        first, second = (
            (self.description_ar, self.description)
            if locale == "ar"
            else (self.description, self.description_ar)
        )
        return first or second or ""

    def name_language(self, locale: str) -> str:
        """The language ``display_name(locale)`` is written in, for its ``lang``."""
        return "ar" if locale == "ar" and self.name_ar else "en"

    def tagline_language(self, locale: str) -> str:
        """The language ``tagline(locale)`` is written in (it falls back to the other)."""
        if locale == "ar":
            return "ar" if self.description_ar else "en"
        return "en" if self.description else "ar"


class Membership(Base):
    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, "membership_role"), default=Role.MEMBER)
    status: Mapped[MembershipStatus] = mapped_column(
        enum_type(MembershipStatus, "membership_status"), default=MembershipStatus.APPLYING
    )
    member_number: Mapped[int | None]
    motivation: Mapped[str | None] = mapped_column(Text)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], back_populates="memberships")
    community: Mapped[Community] = relationship(back_populates="memberships")

    __table_args__ = (
        UniqueConstraint("user_id", "community_id"),
        UniqueConstraint("community_id", "member_number"),
        CheckConstraint(
            "(status = 'applying' OR status = 'declined') OR member_number IS NOT NULL",
            name="member_number_when_admitted",
        ),
    )

    @property
    def is_active(self) -> bool:
        return self.status == MembershipStatus.ACTIVE

    @property
    def is_coordinator(self) -> bool:
        return self.is_active and self.role in (Role.COORDINATOR, Role.ADMIN)
