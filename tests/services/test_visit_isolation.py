"""Twice-weekly visits (schedule, calendar, escalation) and "possibly isolated" by the
agreed frequency, on the care dashboard and in the metrics alike (issue 19)."""

from __future__ import annotations

from datetime import date, time, timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from tests.services.test_visit_schedule import MONDAY, TUESDAY, _arrangement, _at, _checked
from timebank.extensions import db
from timebank.jobs import tasks
from timebank.models import Arrangement, Notification, PlannedVisit, utcnow
from timebank.services.companionship import dashboard as care
from timebank.services.companionship import feed, isolation, schedule
from timebank.services.companionship import requests as companionship
from timebank.services.exceptions import InvalidInput
from timebank.services.metrics import compute, periods

THURSDAY = date(2026, 12, 3)


@pytest.fixture
def bank(app):
    from tests.services.conftest import make_bank

    return make_bank()


def _twice(bank) -> Arrangement:
    """Twice a week, Tuesdays and Thursdays at 10:00, from Monday 30 November 2026."""
    arrangement = _arrangement(bank, "twice_weekly")
    schedule.set_schedule(arrangement, actor=bank.b.user, weekday=1, weekday2=3, at=time(10, 0))
    arrangement.schedule_from = MONDAY
    db.session.commit()
    return arrangement


def test_twice_weekly_needs_two_different_days(bank):
    arrangement = _arrangement(bank, "twice_weekly")
    for second, field in ((None, "weekday2"), (1, "weekday2")):
        with pytest.raises(InvalidInput) as caught:
            schedule.set_schedule(
                arrangement, actor=bank.b.user, weekday=1, weekday2=second, at=time(10)
            )
        assert caught.value.field == field
    assert arrangement.visit_weekday is None


def test_twice_weekly_schedule_gives_both_days(bank):
    arrangement = _twice(bank)
    assert schedule.planned_dates(arrangement, MONDAY, MONDAY + timedelta(days=10)) == [
        TUESDAY,
        THURSDAY,
        TUESDAY + timedelta(days=7),
        THURSDAY + timedelta(days=7),
    ]
    assert schedule.next_visits(arrangement, today=date(2026, 12, 2)) == [
        THURSDAY,
        date(2026, 12, 8),
        date(2026, 12, 10),
        date(2026, 12, 15),
    ]


def test_twice_weekly_calendar_has_both_days(bank):
    arrangement = _twice(bank)
    ics = feed.calendar(arrangement.volunteer, now=_now(date(2026, 12, 2)))
    events = list(icalendar.Calendar.from_ical(ics).walk("VEVENT"))
    days = {e.decoded("dtstart").weekday() for e in events}
    assert days == {1, 3} and len(events) >= 26


def _now(day: date):
    from datetime import UTC, datetime

    return datetime.combine(day, time(11), tzinfo=UTC)


def _kinds() -> dict[str, int]:
    rows = db.session.execute(
        select(Notification.kind, func.count()).group_by(Notification.kind)
    ).all()
    db.session.commit()
    return {kind: n for kind, n in rows if kind.startswith("visit_")}


def test_twice_weekly_escalates_each_day_and_a_visit_covers_only_its_own(bank):
    """A visit logged on Tuesday closes Tuesday's planned visit, not Thursday's: Friday
    brings a reminder for Thursday."""
    _checked(bank, bank.c)
    arrangement = _twice(bank)
    companionship.log_visit(
        arrangement, actor=bank.b.user, minutes=60, service_date=TUESDAY,
        wellbeing="all_well", concern_note=None, idempotency_key="twice-0001",
    )  # fmt: skip
    db.session.commit()
    for _ in range(2):
        tasks.escalate_visits(_at(date(2026, 12, 4)))
    rows = {
        p.planned_on: p
        for p in db.session.scalars(
            select(PlannedVisit).where(PlannedVisit.arrangement_id == arrangement.id)
        )
    }
    assert rows[TUESDAY].status.value == "done"
    assert rows[THURSDAY].status.value == "planned" and rows[THURSDAY].reminded_at
    assert _kinds() == {"visit_missed": 1}


def _age(arrangement: Arrangement, days: int) -> None:
    arrangement.confirmed_at = utcnow() - timedelta(days=days)
    db.session.commit()


def _dashboard(bank) -> int:
    return {c.key: c.value for c in care.counts(bank.community)}["isolated"]


def _metrics(bank) -> int:
    """The metrics figure "Possibly isolated" for the current month."""
    period = periods.month_of(schedule.local_today())
    return compute.summarise(bank.community.id, period).inclusion.isolated


def test_monthly_is_not_isolated_after_14_days_on_the_dashboard_or_in_the_metrics(bank):
    monthly = _arrangement(bank, "monthly")
    _age(monthly, 15)
    assert (_dashboard(bank), _metrics(bank)) == (0, 0)
    _age(monthly, 31 + isolation.margin_days() + 1)
    assert (_dashboard(bank), _metrics(bank)) == (1, 1)


def test_twice_weekly_is_isolated_after_the_margin_on_the_dashboard_and_in_the_metrics(bank, app):
    """Twice a week is 4 days; with a margin of 2, 5 days without a visit is fine and 7
    are not; a visit logged clears it."""
    app.config["COMPANIONSHIP_ISOLATION_MARGIN_DAYS"] = 2
    twice = _arrangement(bank, "twice_weekly")
    _age(twice, 5)
    assert (_dashboard(bank), _metrics(bank)) == (0, 0)
    _age(twice, 7)
    assert (_dashboard(bank), _metrics(bank)) == (1, 1)
    companionship.log_visit(
        twice, actor=bank.b.user, minutes=60, service_date=schedule.local_today(),
        wellbeing="all_well", concern_note=None, idempotency_key="twice-0002",
    )  # fmt: skip
    db.session.commit()
    assert (_dashboard(bank), _metrics(bank)) == (0, 0)


def test_a_past_period_counts_who_was_isolated_at_its_end(bank):
    """An arrangement matched after the period ended does not count in it; one ended after
    it still does."""
    weekly = _arrangement(bank, "weekly")
    _age(weekly, 60)
    last_month = periods.month_of(schedule.local_today()).previous()
    assert compute.summarise(bank.community.id, last_month).inclusion.isolated == 1
    companionship.end(weekly, actor=bank.coordinator.user)
    db.session.commit()
    assert compute.summarise(bank.community.id, last_month).inclusion.isolated == 1
    assert _dashboard(bank) == 0
    weekly.confirmed_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert compute.summarise(bank.community.id, last_month).inclusion.isolated == 0
