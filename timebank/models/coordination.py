"""Coordination of a community: vetting steps and their records, proxies who act for
members without internet, and announcements (DESIGN.md §3, §7)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.models.base import Base, utcnow

if TYPE_CHECKING:
    from timebank.models.community import Membership


class VettingStep(Base):
    """One step of a community's onboarding (interview, references, ID seen, …)."""

    __tablename__ = "vetting_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name_en: Mapped[str] = mapped_column(String(80))
    name_ar: Mapped[str] = mapped_column(String(80))
    required: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def display_name(self, locale: str) -> str:
        return self.name_ar if locale == "ar" and self.name_ar else self.name_en


class VettingRecord(Base):
    """A step ticked for one applicant: when it was done and which coordinator saw it."""

    __tablename__ = "vetting_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("vetting_steps.id"))
    done_on: Mapped[date] = mapped_column(Date)
    coordinator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("membership_id", "step_id"),)


class Proxy(Base):
    """``proxy`` may act for ``member`` (a membership without internet), appointed by a
    coordinator; ``ended_at`` set when the appointment ends."""

    __tablename__ = "proxies"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    proxy_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    appointed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    proxy: Mapped[Membership] = relationship(foreign_keys=[proxy_id])

    __table_args__ = (CheckConstraint("member_id <> proxy_id", name="not_own_proxy"),)


class Announcement(Base):
    """A coordinator's notice to the community, shown on members' home page."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("length(title) BETWEEN 1 AND 120", name="title_length"),
        Index("ix_announcements_community_created", "community_id", "created_at"),
    )
