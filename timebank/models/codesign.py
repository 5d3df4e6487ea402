"""The co-design board: members propose new services, endorse, comment, volunteer and
shape them; coordinators adopt them as categories and/or recurring group activities
(DESIGN §6, co-production)."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.models.base import Base, enum_type, utcnow
from timebank.models.community import Membership


class ProposalStage(enum.StrEnum):
    PROPOSED = "proposed"
    DISCUSSION = "discussion"
    ADOPTED = "adopted"
    DECLINED = "declined"
    RUNNING = "running"
    RETIRED = "retired"


class Proposal(Base):
    """A proposed service or group activity. Its current text is the latest revision's;
    ``category_id`` is the category it was adopted as (the category remembers its proposal
    and, through it, its proposer)."""

    __tablename__ = "codesign_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    proposer_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    stage: Mapped[ProposalStage] = mapped_column(
        enum_type(ProposalStage, "proposal_stage"), default=ProposalStage.PROPOSED
    )
    decline_reason: Mapped[str | None] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), unique=True)
    adopted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposer: Mapped[Membership] = relationship(foreign_keys=[proposer_id])
    revisions: Mapped[list[ProposalRevision]] = relationship(
        order_by="ProposalRevision.number", back_populates="proposal"
    )

    __table_args__ = (
        CheckConstraint(
            "stage <> 'declined' OR decline_reason IS NOT NULL", name="declined_has_reason"
        ),
    )

    @property
    def current(self) -> ProposalRevision:
        return self.revisions[-1]


class ProposalRevision(Base):
    """One version of a proposal's text; every edit adds one and none is changed."""

    __tablename__ = "codesign_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("codesign_proposals.id"))
    number: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title_en: Mapped[str] = mapped_column(String(120), default="")
    title_ar: Mapped[str] = mapped_column(String(120), default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_ar: Mapped[str] = mapped_column(Text, default="")
    need: Mapped[str] = mapped_column(Text)
    audience: Mapped[str] = mapped_column(String(200))
    frequency: Mapped[str] = mapped_column(String(20))
    volunteers: Mapped[str] = mapped_column(String(300), default="")
    checks: Mapped[str] = mapped_column(String(200), default="")  # check types, comma-separated
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="revisions")

    __table_args__ = (
        UniqueConstraint("proposal_id", "number"),
        CheckConstraint("title_en <> '' OR title_ar <> ''", name="has_title"),
    )

    def title(self, locale: str) -> str:
        first, other = (
            (self.title_ar, self.title_en) if locale == "ar" else (self.title_en, self.title_ar)
        )
        return first or other

    def description(self, locale: str) -> str:
        first, other = (
            (self.description_ar, self.description_en)
            if locale == "ar"
            else (self.description_en, self.description_ar)
        )
        return first or other

    @property
    def check_list(self) -> list[str]:
        return [c for c in self.checks.split(",") if c]


class ProposalEndorsement(Base):
    """One member's support of a proposal (one each; withdrawing deletes it)."""

    __tablename__ = "codesign_endorsements"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("codesign_proposals.id"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("proposal_id", "membership_id"),)


class ProposalComment(Base):
    __tablename__ = "codesign_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("codesign_proposals.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Membership] = relationship()


class ProposalVolunteer(Base):
    """A member's offer to help run a proposed service ("I would give 1 h a week")."""

    __tablename__ = "codesign_volunteers"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("codesign_proposals.id"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    minutes_per_week: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    member: Mapped[Membership] = relationship()

    __table_args__ = (
        UniqueConstraint("proposal_id", "membership_id"),
        CheckConstraint("minutes_per_week BETWEEN 1 AND 2400", name="sensible_minutes"),
    )


class GroupActivity(Base):
    """A proposal adopted as a recurring group activity: the group exchange (one member →
    several, or several → one) on a schedule. It remembers the proposal it came from and
    its proposer; hours recorded for it are the exchanges of its ``sessions``. ``checks``:
    the safeguarding checks (comma-separated) whoever gives the hours must hold."""

    __tablename__ = "codesign_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("codesign_proposals.id"), unique=True)
    proposer_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"))
    category_key: Mapped[str] = mapped_column(String(40))
    frequency: Mapped[str] = mapped_column(String(20))  # weekly | fortnightly | monthly
    weekday: Mapped[int]  # 0 Monday … 6 Sunday
    starts_at: Mapped[time]
    minutes: Mapped[int]
    first_date: Mapped[date]
    checks: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship()
    proposer: Mapped[Membership] = relationship(foreign_keys=[proposer_id])

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_in_week"),
        CheckConstraint("minutes BETWEEN 1 AND 1440", name="sensible_minutes"),
    )

    @property
    def check_list(self) -> list[str]:
        return [c for c in self.checks.split(",") if c]


class ActivitySession(Base):
    """One occurrence of a group activity whose hours were recorded: the group of
    exchanges (``group_id``) posted for it."""

    __tablename__ = "codesign_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("codesign_activities.id"), index=True)
    group_id: Mapped[int] = mapped_column(unique=True)
    service_date: Mapped[date]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
