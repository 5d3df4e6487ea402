"""Visit schedules (issue 19): an arrangement's agreed day and time, with its frequency,
gives real visit dates, in the community's time zone (``BABEL_DEFAULT_TIMEZONE``).

Weekly: every agreed weekday from the schedule's start; twice weekly: every one of the two
agreed weekdays; fortnightly: every other one; monthly: the first agreed weekday of each
month; once: the first agreed weekday only. A planned date that was skipped is left out of
the next visits; one that was moved (``moves``) takes place on its new day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import and_, or_, select

from timebank.extensions import db
from timebank.i18n import local_digits
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
from timebank.services.messaging import notifications

# The agreed interval between visits, in days (isolation follows it): twice a week is half
# a week, rounded up.
INTERVAL_DAYS = {
    Frequency.TWICE_WEEKLY: 4,
    Frequency.WEEKLY: 7,
    Frequency.FORTNIGHTLY: 14,
    Frequency.MONTHLY: 31,
}
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


def weekdays(arrangement: Arrangement) -> list[int]:
    """The agreed weekdays: two for a twice-weekly arrangement (when both are agreed)."""
    days = [] if arrangement.visit_weekday is None else [arrangement.visit_weekday]
    second = arrangement.visit_weekday2
    if arrangement.request.frequency == Frequency.TWICE_WEEKLY and second is not None:
        days.append(second)
    return days


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
    if frequency == Frequency.TWICE_WEEKLY:
        found = []
        for agreed in weekdays(arrangement):
            found += _every(_first_on_or_after(origin, agreed), 7, start, end)
        return sorted(found)
    return _every(first, INTERVAL_DAYS[frequency], start, end)


def _every(first: date, step: int, start: date, end: date) -> list[date]:
    """``first`` and every ``step`` days after it, from ``start`` to ``end``."""
    day = first
    if start > first:
        day = first + timedelta(days=-(-(start - first).days // step) * step)
    found = []
    while day <= end:
        found.append(day)
        day += timedelta(days=step)
    return found


@dataclass(frozen=True)
class Slot:
    """One visit of the schedule: its planned date, the day it happens (moved or not) and
    its stored row, if any (moved, skipped or escalated)."""

    planned_on: date
    on: date
    stored: PlannedVisit | None

    @property
    def skipped(self) -> bool:
        return self.stored is not None and self.stored.status == PlannedStatus.SKIPPED


def in_range(start: date, end: date):
    """The stored rows that may bear on the visits from ``start`` to ``end``: planned in
    the range, or moved into it from a date of the schedule."""
    return or_(
        PlannedVisit.planned_on.between(start, end),
        and_(
            PlannedVisit.moved_to.between(start, end),
            PlannedVisit.planned_on >= Arrangement.schedule_from,
        ),
    )


def slots(
    arrangement: Arrangement,
    start: date,
    end: date,
    *,
    rows: list[PlannedVisit] | None = None,
) -> list[Slot]:
    """The visits happening from ``start`` to ``end``, by the day they happen: planned
    dates not moved out of the range, and visits moved into it. Two queries at most; none
    when the caller read the arrangement's stored ``rows`` in that range already."""
    if not is_scheduled(arrangement):
        return []
    if rows is None:
        rows = list(
            db.session.scalars(
                select(PlannedVisit)
                .join(Arrangement, Arrangement.id == PlannedVisit.arrangement_id)
                .where(PlannedVisit.arrangement_id == arrangement.id, in_range(start, end))
            )
        )
    stored = {p.planned_on: p for p in rows}
    found = {}
    for day in planned_dates(arrangement, start, end):
        row = stored.get(day)
        found[day] = Slot(day, row.on if row else day, row)
    for day, row in stored.items():
        if day not in found and row.moved_to is not None and planned_dates(arrangement, day, day):
            found[day] = Slot(day, row.moved_to, row)
    within = [s for s in found.values() if start <= s.on <= end]
    return sorted(within, key=lambda s: (s.on, s.planned_on))


HORIZON_DAYS = 130


def upcoming(
    arrangement: Arrangement,
    *,
    today: date | None = None,
    rows: list[PlannedVisit] | None = None,
    count: int = NEXT_COUNT,
) -> list[Slot]:
    """The next visits, from today on, by the day they happen, without those skipped
    (``rows``: the stored rows from today to ``HORIZON_DAYS`` on, read by the caller)."""
    if arrangement.status != ArrangementStatus.ACTIVE:
        return []
    today = today or local_today()
    found = slots(arrangement, today, today + timedelta(days=HORIZON_DAYS), rows=rows)
    return [s for s in found if not s.skipped][:count]


def next_visits(arrangement: Arrangement, *, today: date | None = None) -> list[date]:
    """The days of the next visits (moved ones on their new day), without those skipped."""
    return [s.on for s in upcoming(arrangement, today=today)]


def set_schedule(
    arrangement: Arrangement,
    *,
    actor: User,
    weekday: int | None,
    at: time | None,
    weekday2: int | None = None,
) -> None:
    """The coordinator or the volunteer agrees the day and time of the visits (and, twice
    a week, a second, different day); new days run from today (earlier dates are not
    escalated), a new time alone keeps the dates. Once agreed, the volunteer keeps the day
    and changes the time within limits (``_volunteer_limits``); the other party is told of
    every change (the first agreement shows on both home pages). Raises NotAllowed, InvalidInput."""
    if not permissions.can_edit_schedule(actor, arrangement):
        raise NotAllowed(_l("Only the volunteer or a coordinator can change the visit day."))
    if weekday is None or not 0 <= weekday <= 6:
        raise InvalidInput(_l("Choose a day of the week."), field="weekday")
    twice = arrangement.request.frequency == Frequency.TWICE_WEEKLY
    if twice and (weekday2 is None or not 0 <= weekday2 <= 6):
        raise InvalidInput(_l("Choose the second day of the week."), field="weekday2")
    if twice and weekday2 == weekday:
        raise InvalidInput(_l("Choose two different days."), field="weekday2")
    if at is None:
        raise InvalidInput(_l("Give the time of the visit."), field="at")
    days = [weekday] + ([weekday2] if twice and weekday2 is not None else [])
    was_scheduled = is_scheduled(arrangement)
    who = "volunteer" if actor.id == arrangement.volunteer.user_id else "coordinator"
    if who == "volunteer":
        _volunteer_limits(arrangement, days, at)
    changed = was_scheduled and (
        sorted(weekdays(arrangement)) != sorted(days) or arrangement.visit_time != at
    )
    new_days = not was_scheduled or sorted(weekdays(arrangement)) != sorted(days)
    arrangement.visit_weekday = weekday
    arrangement.visit_weekday2 = weekday2 if twice else None
    arrangement.visit_time = at
    if new_days:  # a new time alone keeps the dates (and a fortnight's weeks)
        arrangement.schedule_from = local_today()
    db.session.flush()
    audit.record(
        "companionship.schedule",
        actor=actor,
        community_id=arrangement.community_id,
        obj=arrangement,
        details={
            "weekday": weekday,
            "weekday2": weekday2 if twice else None,
            "at": at.strftime("%H:%M"),
        },
    )
    if changed:
        _tell(arrangement, who)


def volunteer_shift_hours() -> int:
    return int(current_app.config.get("COMPANIONSHIP_VOLUNTEER_SHIFT_HOURS", 2))


def _volunteer_limits(arrangement: Arrangement, days: list[int], at: time) -> None:
    """Once the day and time are agreed, the volunteer keeps the agreed day(s) and may
    change the time by at most ``COMPANIONSHIP_VOLUNTEER_SHIFT_HOURS``: the visited member
    agreed to that day, and a coordinator changes it (a single visit is moved instead)."""
    if not is_scheduled(arrangement):
        return
    agreed = weekdays(arrangement)
    if not set(agreed) <= set(days):
        field = "weekday" if days[0] not in agreed else "weekday2"
        raise InvalidInput(
            _l("Only a coordinator can change the agreed day. To change one visit, move it."),
            field=field,
        )
    before = arrangement.visit_time or time(0, 0)
    shift = abs((at.hour * 60 + at.minute) - (before.hour * 60 + before.minute))
    hours = volunteer_shift_hours()
    if shift > hours * 60:
        raise InvalidInput(
            local_digits(
                ngettext(
                    "You can change the time by at most %(num)d hour; ask a coordinator "
                    "for a bigger change.",
                    "You can change the time by at most %(num)d hours; ask a coordinator "
                    "for a bigger change.",
                    hours,
                )
            ),
            field="at",
        )


def limits_text(arrangement: Arrangement, actor: User) -> str | None:
    """The volunteer's limit, for the form's hint (None: no limit applies)."""
    if actor.id != arrangement.volunteer.user_id or not is_scheduled(arrangement):
        return None
    return local_digits(
        ngettext(
            "You can change the time by up to %(num)d hour on the agreed day. A coordinator "
            "changes the day.",
            "You can change the time by up to %(num)d hours on the agreed day. A coordinator "
            "changes the day.",
            volunteer_shift_hours(),
        )
    )


def agreed_text(arrangement: Arrangement) -> str:
    """ "Tuesday at 10:00" (or both days, twice a week), in the language in force."""
    at = local_digits((arrangement.visit_time or time(0, 0)).strftime("%H:%M"))
    days = weekdays(arrangement)
    if len(days) == 2:
        return str(
            _l(
                "%(day)s and %(day2)s at %(time)s",
                day=WEEKDAY_LABELS[days[0]],
                day2=WEEKDAY_LABELS[days[1]],
                time=at,
            )
        )
    return str(_l("%(day)s at %(time)s", day=WEEKDAY_LABELS[days[0]], time=at))


def _tell(arrangement: Arrangement, who: str) -> None:
    """Tell the other party the visits' new day and time, in their language: the visited
    member when the volunteer changed it, both when a coordinator did."""
    volunteer, member = arrangement.volunteer.user, arrangement.request.recipient.user
    told = [member] if who == "volunteer" else [volunteer, member]
    notifications.notify_all(
        told,
        "visit_schedule",
        body=lambda locale: str(
            _l("The visits are now on %(when)s.", when=agreed_text(arrangement))
        ),
        community=arrangement.request.recipient.community,
        object_type="companionship_arrangements",
        object_id=arrangement.id,
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
