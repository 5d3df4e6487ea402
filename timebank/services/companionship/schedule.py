"""Visit schedules (issue 19): an arrangement's agreed day and time, with its frequency,
gives real visit dates, in the community's time zone (``BABEL_DEFAULT_TIMEZONE``).

Weekly: every agreed weekday from the schedule's start; fortnightly: every other one;
monthly: the first agreed weekday of each month; once: the first agreed weekday only. A
planned date that was skipped is left out of the next visits."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from timebank.extensions import db
from timebank.models import (
    Arrangement,
    ArrangementStatus,
    Frequency,
    PlannedStatus,
    PlannedVisit,
    User,
    utcnow,
)
from timebank.services import audit, permissions
from timebank.services.exceptions import InvalidInput, NotAllowed

# The agreed interval between visits, in days (isolation follows it).
INTERVAL_DAYS = {Frequency.WEEKLY: 7, Frequency.FORTNIGHTLY: 14, Frequency.MONTHLY: 31}
WEEKDAY_LABELS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)
NEXT_COUNT = 4


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")


def local_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(zone()).date()


def moment(arrangement: Arrangement, day: date) -> datetime:
    """The planned visit on ``day`` at the agreed time, as an aware UTC moment."""
    at = arrangement.visit_time or time(0, 0)
    return datetime.combine(day, at, tzinfo=zone()).astimezone(UTC)


def is_scheduled(arrangement: Arrangement) -> bool:
    return arrangement.visit_weekday is not None and arrangement.schedule_from is not None


def _first_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def planned_dates(arrangement: Arrangement, start: date, end: date) -> list[date]:
    """The schedule's dates from ``start`` to ``end`` inclusive (none when unscheduled)."""
    if not is_scheduled(arrangement):
        return []
    weekday = arrangement.visit_weekday
    origin = arrangement.schedule_from
    assert weekday is not None and origin is not None
    first = _first_on_or_after(origin, weekday)
    frequency = arrangement.request.frequency
    if frequency == Frequency.ONCE:
        return [first] if start <= first <= end else []
    if frequency == Frequency.MONTHLY:
        found, year, month = [], max(start, origin).year, max(start, origin).month
        while date(year, month, 1) <= end:
            day = _first_on_or_after(date(year, month, 1), weekday)
            if max(start, origin) <= day <= end:
                found.append(day)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found
    step = INTERVAL_DAYS[frequency]
    day = first
    if start > first:
        day = first + timedelta(days=-(-(start - first).days // step) * step)
    found = []
    while day <= end:
        found.append(day)
        day += timedelta(days=step)
    return found


def next_visits(arrangement: Arrangement, *, today: date | None = None) -> list[date]:
    """The next planned visits, from today on, without those skipped."""
    if arrangement.status != ArrangementStatus.ACTIVE:
        return []
    today = today or local_today()
    skipped = set(
        db.session.scalars(
            select(PlannedVisit.planned_on).where(
                PlannedVisit.arrangement_id == arrangement.id,
                PlannedVisit.status == PlannedStatus.SKIPPED,
                PlannedVisit.planned_on >= today,
            )
        )
    )
    dates = planned_dates(arrangement, today, today + timedelta(days=130))
    return [d for d in dates if d not in skipped][:NEXT_COUNT]


def set_schedule(
    arrangement: Arrangement, *, actor: User, weekday: int | None, at: time | None
) -> None:
    """The coordinator or the volunteer agrees the day and time of the visits; the
    schedule runs from today (earlier dates are not escalated)."""
    if not permissions.can_edit_schedule(actor, arrangement):
        raise NotAllowed(_l("Only the volunteer or a coordinator can change the visit day."))
    if weekday is None or not 0 <= weekday <= 6:
        raise InvalidInput(_l("Choose a day of the week."), field="weekday")
    if at is None:
        raise InvalidInput(_l("Give the time of the visit."), field="at")
    arrangement.visit_weekday = weekday
    arrangement.visit_time = at
    arrangement.schedule_from = local_today()
    db.session.flush()
    audit.record(
        "companionship.schedule",
        actor=actor,
        community_id=arrangement.community_id,
        obj=arrangement,
        details={"weekday": weekday, "at": at.strftime("%H:%M")},
    )


MAX_REASON = 500


def skip(arrangement: Arrangement, day: date | None, *, actor: User, reason: str | None) -> None:
    """The volunteer, the visited member or a coordinator skips one planned visit, with a
    reason: it leaves the next visits and is not escalated."""
    if actor.id not in (
        arrangement.volunteer.user_id,
        arrangement.request.recipient.user_id,
    ) and not permissions.can_edit_schedule(actor, arrangement):
        raise NotAllowed(_l("Only the volunteer, the member or a coordinator can skip a visit."))
    if arrangement.status != ArrangementStatus.ACTIVE:
        raise NotAllowed(_l("Only the volunteer, the member or a coordinator can skip a visit."))
    if day is None or not planned_dates(arrangement, day, day):
        raise InvalidInput(_l("Choose one of the planned visits."), field="day")
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(_l("Say why the visit is skipped."), field="reason")
    if len(text) > MAX_REASON:
        raise InvalidInput(_l("Use at most %(n)d characters.", n=MAX_REASON), field="reason")
    planned = db.session.scalar(
        select(PlannedVisit).where(
            PlannedVisit.arrangement_id == arrangement.id, PlannedVisit.planned_on == day
        )
    )
    if planned is None:
        planned = PlannedVisit(arrangement_id=arrangement.id, planned_on=day)
        db.session.add(planned)
    planned.status, planned.reason = PlannedStatus.SKIPPED, text
    db.session.flush()
    audit.record(
        "companionship.visit_skipped", actor=actor, community_id=arrangement.community_id,
        obj=planned,
    )  # fmt: skip
