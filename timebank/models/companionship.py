"""Safeguarding checks, category requirements, companionship requests, arrangements and
visits (issue 4).

"Home visit" and "accompaniment" are *kinds* of a companionship request, not separate
categories: a requirement names a category key and, optionally, a kind (``NULL`` means
every kind of that category). Free-text notes are erasable (``NULL``-able) so a member's
personal data can be removed without losing the record."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.models.base import Base, enum_type, utcnow

if TYPE_CHECKING:
    from timebank.models.community import Membership
    from timebank.models.user import User


class CheckType(enum.StrEnum):
    BACKGROUND = "background"
    REFERENCES = "references"
    ID_SEEN = "id_seen"
    INTERVIEW = "interview"
    TRAINING = "training"
    DRIVING = "driving"  # driving licence and insurance seen


class CompanionshipKind(enum.StrEnum):
    HOME_VISIT = "home_visit"
    CALL = "call"
    WALK = "walk"
    ACCOMPANIMENT = "accompaniment"
    SHOPPING = "shopping"
    OTHER = "other"


class Frequency(enum.StrEnum):
    ONCE = "once"
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"
    TWICE_WEEKLY = "twice_weekly"  # on two agreed days of the week (issue 19)


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    MATCHED = "matched"
    CLOSED = "closed"


class ArrangementStatus(enum.StrEnum):
    OFFERED = "offered"  # a volunteer offered; waits for a coordinator
    ACTIVE = "active"
    ENDED = "ended"
    DECLINED = "declined"


class Wellbeing(enum.StrEnum):
    ALL_WELL = "all_well"
    CONCERN = "concern"


class SafeguardingCheck(Base):
    __tablename__ = "safeguarding_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    check_type: Mapped[CheckType] = mapped_column(enum_type(CheckType, "check_type"))
    checked_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    verified_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)  # erasable
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the coordinators were told it is about to expire (once per check).
    expiry_notified_at: Mapped[datetime | None]

    membership: Mapped[Membership] = relationship()
    verified_by: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint("expires_on IS NULL OR expires_on >= checked_on", name="expiry_after"),
        Index("ix_safeguarding_checks_expiry", "expires_on"),
    )

    def is_valid(self, today: date) -> bool:
        return self.revoked_at is None and (self.expires_on is None or self.expires_on >= today)


class CategoryRequirement(Base):
    __tablename__ = "category_requirements"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    category_key: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20), default="")  # "" means every kind
    check_type: Mapped[CheckType] = mapped_column(enum_type(CheckType, "requirement_check_type"))

    __table_args__ = (UniqueConstraint("community_id", "category_key", "kind", "check_type"),)


class CompanionshipRequest(Base):
    __tablename__ = "companionship_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[CompanionshipKind] = mapped_column(enum_type(CompanionshipKind, "companion_kind"))
    frequency: Mapped[Frequency] = mapped_column(enum_type(Frequency, "companion_frequency"))
    preferred_times: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5))
    coordinator_notes: Mapped[str | None] = mapped_column(Text)  # erasable, coordinators only
    # How to get in (door code, "ring twice"): shown with the address and phone to the
    # matched volunteer while the arrangement is active, and to coordinators. Erasable.
    access_notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[RequestStatus] = mapped_column(
        enum_type(RequestStatus, "companion_request_status"), default=RequestStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recipient: Mapped[Membership] = relationship()

    __table_args__ = (Index("ix_companionship_requests_open", "community_id", "status"),)


class Arrangement(Base):
    """A match of a request to a volunteer: offered by the volunteer (until a coordinator
    confirms), or active; ended when it stops."""

    __tablename__ = "companionship_arrangements"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    request_id: Mapped[int] = mapped_column(ForeignKey("companionship_requests.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    status: Mapped[ArrangementStatus] = mapped_column(
        enum_type(ArrangementStatus, "arrangement_status")
    )
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The agreed day (0 Monday .. 6 Sunday) and time of the visits, in the community's
    # time zone (issue 19); NULL until agreed.
    visit_weekday: Mapped[int | None] = mapped_column(SmallInteger)
    visit_time: Mapped[time | None] = mapped_column(Time)
    # The second agreed day of a twice-weekly arrangement (NULL for every other frequency).
    visit_weekday2: Mapped[int | None] = mapped_column(SmallInteger)
    schedule_from: Mapped[date | None] = mapped_column(Date)

    request: Mapped[CompanionshipRequest] = relationship()
    volunteer: Mapped[Membership] = relationship()

    __table_args__ = (UniqueConstraint("request_id", "volunteer_id"),)


class Visit(Base):
    __tablename__ = "companionship_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(ForeignKey("companionship_arrangements.id"))
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id"), unique=True)
    logged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    wellbeing: Mapped[Wellbeing] = mapped_column(enum_type(Wellbeing, "visit_wellbeing"))
    concern_note: Mapped[str | None] = mapped_column(Text)  # erasable
    alert_raised_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    arrangement: Mapped[Arrangement] = relationship()

    # Concerns of the last 30 days (the coordinator's dashboard) and the concerns list,
    # newest first: a range of this index, not every visit ever (a parallel scan of 400,000
    # visits on PostgreSQL for a national network).
    # Whether an arrangement had a visit inside its quiet window (possibly isolated, the
    # coordinator's dashboard) and its visits newest first: one range of this index.
    __table_args__ = (
        Index("ix_companionship_visits_wellbeing_created", "wellbeing", "created_at", "id"),
        Index("ix_companionship_visits_arrangement_created", "arrangement_id", "created_at"),
    )


class PlannedStatus(enum.StrEnum):
    PLANNED = "planned"
    DONE = "done"
    SKIPPED = "skipped"


class PlannedVisit(Base):
    """A visit date of an arrangement's schedule that has come (or was moved or skipped),
    with the escalation steps taken when no visit was logged: each step's time is kept, so
    the job takes it once and the care dashboard shows it."""

    __tablename__ = "companionship_planned_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    arrangement_id: Mapped[int] = mapped_column(ForeignKey("companionship_arrangements.id"))
    planned_on: Mapped[date] = mapped_column(Date)
    status: Mapped[PlannedStatus] = mapped_column(
        enum_type(PlannedStatus, "planned_visit_status"), default=PlannedStatus.PLANNED
    )
    reason: Mapped[str | None] = mapped_column(Text)  # erasable
    # A visit moved to another day (issue 19): the escalation follows ``moved_to``; the
    # reason is shown to the other party with who moved it.
    moved_to: Mapped[date | None] = mapped_column(Date)
    moved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("companionship_visits.id"))
    reminded_at: Mapped[datetime | None]
    offered_at: Mapped[datetime | None]
    # The stand-in volunteer who took this one visit.
    stand_in_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id"))
    alerted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    arrangement: Mapped[Arrangement] = relationship()
    moved_by: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("arrangement_id", "planned_on"),)

    @property
    def on(self) -> date:
        """The day the visit happens: the moved day, else the planned one."""
        return self.moved_to or self.planned_on


class VisitFeed(Base):
    """A member's secret iCalendar feed of their visits (issue 19): only the SHA-256 of
    the secret is kept; deleting the row revokes the address."""

    __tablename__ = "companionship_visit_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VolunteerAbsence(Base):
    """A volunteer's declared absence (issue 19): their planned visits in it go straight
    to the stand-in step."""

    __tablename__ = "companionship_absences"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ends_after_start"),)
