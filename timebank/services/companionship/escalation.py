"""Visits that did not happen (issue 19). For each planned date of an active, scheduled
arrangement with no visit logged for it, step by step after the planned time:

- +1 day (``REMIND_AFTER``): remind the volunteer;
- +2 days (``OFFER_AFTER``): offer the visit to stand-in volunteers who hold the checks
  the kind requires and speak the visited member's language; the first to accept takes
  that one visit;
- +3 days (``ALERT_AFTER``): alert the coordinators.

Each step stores its time on the planned visit and is taken with a compare-and-set, so a
second run (or two at once) notifies nobody twice. A visit logged between the planned
date and the next one closes the escalation. A planned visit inside a volunteer's declared
absence goes straight to the stand-in step. A visit moved to another day (``moves``) is
escalated from its new day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from timebank.database import changed
from timebank.extensions import db
from timebank.i18n import local_digits
from timebank.models import (
    Arrangement,
    ArrangementStatus,
    CompanionshipRequest,
    Exchange,
    Membership,
    PlannedStatus,
    PlannedVisit,
    Visit,
    utcnow,
)
from timebank.services.companionship import absences, queries, schedule
from timebank.services.messaging import notifications

REMIND_AFTER = timedelta(days=1)
OFFER_AFTER = timedelta(days=2)
ALERT_AFTER = timedelta(days=3)
LOOK_BACK_DAYS = 10  # planned dates older than this are left as they are
ABSENCE_AHEAD_DAYS = 7  # a visit in a declared absence is offered this far ahead


@dataclass
class Summary:
    reminded: int = 0
    offered: int = 0
    alerted: int = 0
    closed: int = 0


def _day(day: date):
    """The planned date as each reader reads it (their language and digits)."""
    return lambda locale: local_digits(format_date(day, "full"))


def planned_visit(arrangement: Arrangement, day: date) -> PlannedVisit:
    """The stored planned visit of ``arrangement`` on ``day`` (made if need be)."""
    found = db.session.scalar(
        select(PlannedVisit).where(
            PlannedVisit.arrangement_id == arrangement.id, PlannedVisit.planned_on == day
        )
    )
    if found is None:
        found = PlannedVisit(arrangement_id=arrangement.id, planned_on=day)
        db.session.add(found)
        db.session.flush()
    return found


def logged_visit(arrangement: Arrangement, day: date, until: date | None = None) -> Visit | None:
    """A visit of ``arrangement`` served from ``day`` up to (not including) ``until``, the
    next visit's day (by default the agreed interval later)."""
    interval = schedule.INTERVAL_DAYS.get(arrangement.request.frequency, 7)
    until = until or day + timedelta(days=interval)
    return db.session.scalar(
        select(Visit)
        .join(Exchange, Exchange.id == Visit.exchange_id)
        .where(
            Visit.arrangement_id == arrangement.id,
            Exchange.service_date >= day,
            Exchange.service_date < until,
        )
        .order_by(Visit.id)
        .limit(1)
    )


def _take(planned: PlannedVisit, column: str, now: datetime) -> bool:
    """Mark step ``column`` as taken now, unless it already was (compare-and-set)."""
    field = getattr(PlannedVisit, column)
    taken = changed(
        update(PlannedVisit)
        .where(PlannedVisit.id == planned.id, field.is_(None))
        .values({column: now})
        .execution_options(synchronize_session=False)
    )
    if taken:
        setattr(planned, column, now)
    return taken == 1


def _link_kwargs(arrangement: Arrangement) -> dict:
    return {
        "community": arrangement.request.recipient.community,
        "object_type": "companionship_arrangements",
        "object_id": arrangement.id,
    }


def _remind(arrangement: Arrangement, planned: PlannedVisit) -> None:
    day = planned.on
    notifications.notify(
        arrangement.volunteer.user,
        "visit_missed",
        subject=_l("A planned visit was not logged"),
        body=lambda locale: str(
            _l(
                "No visit was logged for %(day)s. If it happened, log it; if not, tell the "
                "member and the coordinators.",
                day=_day(day)(locale),
            )
        ),
        **_link_kwargs(arrangement),
    )


def stand_ins(arrangement: Arrangement) -> list:
    """Members who may stand in: active, holding every check the kind requires, speaking
    the visited member's language, and not the volunteer."""
    return [
        membership
        for membership, _missing in queries.candidates(
            arrangement.request, language=True, eligible_only=True
        )
        if membership.id != arrangement.volunteer_id
    ]


def _offer(arrangement: Arrangement, planned: PlannedVisit) -> int:
    day = planned.on
    users = [m.user for m in stand_ins(arrangement)]
    community = arrangement.request.recipient.community
    return notifications.notify_all(
        users,
        "visit_stand_in",
        subject=_l("Could you stand in for a companionship visit?"),
        body=lambda locale: str(
            _l(
                "The visit planned for %(day)s did not happen. The first volunteer to "
                "accept takes this one visit.",
                day=_day(day)(locale),
            )
        ),
        community=community,
        object_type="companionship_planned_visits",
        object_id=planned.id,
    )


def _alert(arrangement: Arrangement, planned: PlannedVisit) -> None:
    day = planned.on
    notifications.notify_coordinators(
        arrangement.request.recipient.community,
        "visit_unattended",
        subject=_l("A planned companionship visit did not happen"),
        body=lambda locale: str(
            _l(
                "No visit was logged for %(day)s, three days on. Please contact the member.",
                day=_day(day)(locale),
            )
        ),
        object_type="companionship_arrangements",
        object_id=arrangement.id,
    )


def _absent(arrangement: Arrangement, day: date) -> bool:
    """Whether the volunteer declared an absence covering ``day`` (issue 19 point 5)."""
    return absences.covers(arrangement.volunteer_id, day)


def escalate_one(arrangement: Arrangement, now: datetime, summary: Summary) -> None:
    today = schedule.local_today(now)
    start = today - timedelta(days=LOOK_BACK_DAYS)
    ahead = today + timedelta(days=ABSENCE_AHEAD_DAYS)
    # A little further, to know the day of the visit after each one.
    found = schedule.slots(arrangement, start, ahead + timedelta(days=40))
    held = [s for s in found if not s.skipped]
    for slot in found:
        day = slot.on
        if day > ahead:
            break
        elapsed = now - schedule.moment(arrangement, day)
        absent = _absent(arrangement, day)
        if elapsed < REMIND_AFTER and not absent:
            continue
        planned = slot.stored or planned_visit(arrangement, slot.planned_on)
        if planned.status != PlannedStatus.PLANNED:
            continue
        after = next((s.on for s in held if s.on > day), None)
        visit = logged_visit(arrangement, day, after)
        if visit is not None:
            planned.status, planned.visit_id = PlannedStatus.DONE, visit.id
            summary.closed += 1
            continue
        if not absent and _take(planned, "reminded_at", now):
            _remind(arrangement, planned)
            summary.reminded += 1
        if (elapsed >= OFFER_AFTER or absent) and _take(planned, "offered_at", now):
            _offer(arrangement, planned)
            summary.offered += 1
        if elapsed >= ALERT_AFTER and _take(planned, "alerted_at", now):
            _alert(arrangement, planned)
            summary.alerted += 1
    db.session.flush()


def due_arrangements() -> list[int]:
    """Ids of the active arrangements with an agreed schedule."""
    return list(
        db.session.scalars(
            select(Arrangement.id)
            .where(
                Arrangement.status == ArrangementStatus.ACTIVE,
                Arrangement.visit_weekday.is_not(None),
            )
            .order_by(Arrangement.id)
        )
    )


def escalate(arrangement_id: int, now: datetime | None = None) -> Summary:
    """Take the due steps of one arrangement (one transaction per arrangement)."""
    summary = Summary()
    arrangement = db.session.get(Arrangement, arrangement_id)
    if arrangement is not None and arrangement.status == ArrangementStatus.ACTIVE:
        escalate_one(arrangement, now or utcnow(), summary)
    return summary


def follow_ups_query(community_id: int):
    """The planned visits of the community's arrangements on which a step was taken, the
    most recent first, with the names each row shows loaded in the same query."""
    arrangement = joinedload(PlannedVisit.arrangement)
    return (
        select(PlannedVisit)
        .join(Arrangement, Arrangement.id == PlannedVisit.arrangement_id)
        .options(
            arrangement.joinedload(Arrangement.volunteer).joinedload(Membership.user),
            arrangement.joinedload(Arrangement.request)
            .joinedload(CompanionshipRequest.recipient)
            .joinedload(Membership.user),
        )
        .where(
            Arrangement.community_id == community_id,
            PlannedVisit.reminded_at.is_not(None) | PlannedVisit.offered_at.is_not(None),
        )
        .order_by(PlannedVisit.planned_on.desc(), PlannedVisit.id.desc())
    )


def follow_ups(community_id: int, *, limit: int = 100) -> list[PlannedVisit]:
    """The first ``limit`` of ``follow_ups_query`` (the care dashboard's list)."""
    return list(db.session.scalars(follow_ups_query(community_id).limit(limit)).unique())


def follow_ups_page(community_id: int, *, page: int, per_page: int) -> Pagination:
    """One page of ``follow_ups_query`` (the missed-visits page)."""
    return db.paginate(follow_ups_query(community_id), page=page, per_page=per_page,
                       error_out=False)  # fmt: skip


def planned_of(arrangement: Arrangement, *, limit: int = 12) -> list[PlannedVisit]:
    """The stored planned visits of one arrangement (moved, skipped, escalated)."""
    return list(
        db.session.scalars(
            select(PlannedVisit)
            .where(PlannedVisit.arrangement_id == arrangement.id)
            .order_by(PlannedVisit.planned_on.desc())
            .limit(limit)
        )
    )
