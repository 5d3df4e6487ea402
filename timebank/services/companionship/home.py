"""The next companionship visits on the member home page (issue 19): the visits a member
receives and those they make as a volunteer, and those of the members a proxy acts for,
by the day they happen (moved visits on their new day, skipped ones left out), read in
one query for every member shown."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from timebank.extensions import db
from timebank.models import (
    Arrangement,
    ArrangementStatus,
    CompanionshipRequest,
    Membership,
    PlannedVisit,
)
from timebank.services.companionship import schedule

HOME_COUNT = 3


@dataclass(frozen=True)
class NextVisit:
    """One coming visit: the arrangement, the day it happens, its moment (UTC) and
    whether it was moved; ``role`` is the member's part in it ("volunteer" or "member")
    and ``other`` the other party's membership."""

    arrangement: Arrangement
    slot: schedule.Slot
    at: datetime
    role: str
    other: Membership

    @property
    def moved(self) -> bool:
        return self.slot.stored is not None and self.slot.stored.moved_to is not None


@dataclass
class MemberVisits:
    """A member's next visits (at most ``HOME_COUNT``), and whether they have an active
    arrangement whose day and time are not agreed yet."""

    member: Membership
    visits: list[NextVisit] = field(default_factory=list)
    unscheduled: bool = False

    @property
    def shown(self) -> bool:
        return bool(self.visits) or self.unscheduled


def next_visits(
    members: list[Membership], *, today: date | None = None, count: int = HOME_COUNT
) -> list[MemberVisits]:
    """For each member, in the order given: their next ``count`` visits, given or
    received, over all their active arrangements. One query: the arrangements with both
    parties, and the stored rows (moved, skipped) of their coming visits."""
    if not members:
        return []
    today = today or schedule.local_today()
    end = today + timedelta(days=schedule.HORIZON_DAYS)
    ids = [m.id for m in members]
    rows = db.session.execute(
        select(Arrangement, PlannedVisit)
        .join(Arrangement.request)
        .outerjoin(
            PlannedVisit,
            and_(
                PlannedVisit.arrangement_id == Arrangement.id,
                schedule.in_range(today, end),
            ),
        )
        .options(
            contains_eager(Arrangement.request)
            .joinedload(CompanionshipRequest.recipient)
            .joinedload(Membership.user),
            joinedload(Arrangement.volunteer).joinedload(Membership.user),
        )
        .where(
            Arrangement.status == ArrangementStatus.ACTIVE,
            or_(Arrangement.volunteer_id.in_(ids), CompanionshipRequest.recipient_id.in_(ids)),
        )
        .order_by(Arrangement.id)
    ).all()
    arrangements: dict[int, Arrangement] = {}
    stored: dict[int, list[PlannedVisit]] = defaultdict(list)
    for arrangement, planned in rows:
        arrangements[arrangement.id] = arrangement
        if planned is not None:
            stored[arrangement.id].append(planned)
    found = {m.id: MemberVisits(member=m) for m in members}
    for arrangement in arrangements.values():
        recipient, volunteer = arrangement.request.recipient, arrangement.volunteer
        coming = schedule.upcoming(
            arrangement, today=today, rows=stored[arrangement.id], count=count
        )
        for member_id, role, other in (
            (volunteer.id, "volunteer", recipient),
            (recipient.id, "member", volunteer),
        ):
            mine = found.get(member_id)
            if mine is None:
                continue
            if not schedule.is_scheduled(arrangement):
                mine.unscheduled = True
            mine.visits += [
                NextVisit(arrangement, s, schedule.moment(arrangement, s.on), role, other)
                for s in coming
            ]
    for mine in found.values():
        mine.visits = sorted(mine.visits, key=lambda v: (v.at, v.arrangement.id))[:count]
    return [found[m.id] for m in members]
