"""Moving a planned visit (issue 19): either party with a reason, the volunteer only a few
days, the other party told; the escalation follows the new day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from tests.services.conftest import make_bank
from tests.services.test_visit_schedule import _arrangement
from timebank.extensions import db
from timebank.jobs import tasks
from timebank.models import Arrangement, Notification, PlannedStatus, PlannedVisit
from timebank.services.companionship import feed, moves, schedule
from timebank.services.exceptions import InvalidInput, NotAllowed


@pytest.fixture
def bank(app):
    return make_bank()


def _weekly_in_three_days(bank) -> tuple[Arrangement, date]:
    """Weekly, on the weekday three days from today, at 10:00; returns the first visit."""
    arrangement = _arrangement(bank)
    first = schedule.local_today() + timedelta(days=3)
    schedule.set_schedule(arrangement, actor=bank.b.user, weekday=first.weekday(), at=time(10))
    db.session.commit()
    assert schedule.next_visits(arrangement)[0] == first
    return arrangement, first


def _told(user) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.kind).where(
                Notification.user_id == user.id, Notification.kind == "visit_moved"
            )
        )
    )


def test_the_member_moves_a_visit_and_the_volunteer_is_told(bank):
    arrangement, first = _weekly_in_three_days(bank)
    new_day = first + timedelta(days=5)
    moves.move(arrangement, first, actor=bank.a.user, to=new_day, reason="Hospital appointment")
    db.session.commit()
    assert schedule.next_visits(arrangement)[0] == new_day
    slot = schedule.upcoming(arrangement)[0]
    assert slot.planned_on == first and slot.stored.reason == "Hospital appointment"
    assert slot.stored.moved_by_id == bank.a.user_id
    assert _told(bank.b.user) == ["visit_moved"] and _told(bank.a.user) == []


@pytest.mark.parametrize(
    ("who", "days", "reason", "field"),
    [
        ("b", 3, "Away", "to"),  # beyond the volunteer's 2 days
        ("b", -4, "Away", "to"),  # in the past
        ("b", 0, "Away", "to"),  # the same day
        ("a", 7, "Away", "to"),  # the next visit's day
        ("a", 29, "Away", "to"),  # beyond four weeks
        ("b", 1, "  ", "reason"),
    ],
)
def test_a_move_stays_within_limits(bank, who, days, reason, field):
    arrangement, first = _weekly_in_three_days(bank)
    actor = getattr(bank, who).user
    with pytest.raises(InvalidInput) as caught:
        moves.move(arrangement, first, actor=actor, to=first + timedelta(days=days), reason=reason)
    assert caught.value.field == field
    assert db.session.scalar(select(func.count()).select_from(PlannedVisit)) == 0


def test_others_cannot_move_and_a_bad_visit_is_refused(bank):
    arrangement, first = _weekly_in_three_days(bank)
    with pytest.raises(NotAllowed):
        moves.move(arrangement, first, actor=bank.c.user, to=first, reason="x")
    with pytest.raises(InvalidInput) as caught:
        moves.move(
            arrangement, first + timedelta(days=1), actor=bank.b.user,
            to=first + timedelta(days=2), reason="x",
        )  # fmt: skip
    assert caught.value.field == "day"


def _at(day: date, hour: int = 11) -> str:
    return datetime.combine(day, time(hour), tzinfo=UTC).isoformat()


def test_the_escalation_follows_the_moved_day(bank):
    """Moved two days later by the volunteer: the day after the planned date brings no
    reminder; the day after the new date does; the member is told of the move."""
    arrangement, first = _weekly_in_three_days(bank)
    moved_to = first + timedelta(days=2)
    moves.move(arrangement, first, actor=bank.b.user, to=moved_to, reason="Car repair")
    db.session.commit()
    assert _told(bank.a.user) == ["visit_moved"]
    db.session.commit()  # end the read, so the job may write (SQLite)
    tasks.escalate_visits(_at(first + timedelta(days=1)))
    planned = db.session.scalar(select(PlannedVisit))
    assert planned.reminded_at is None
    db.session.commit()
    tasks.escalate_visits(_at(moved_to + timedelta(days=1)))
    db.session.expire_all()
    planned = db.session.scalar(select(PlannedVisit))
    assert planned.reminded_at is not None and planned.status == PlannedStatus.PLANNED


def test_a_moved_visit_is_on_its_new_day_in_the_calendar(bank):
    arrangement, first = _weekly_in_three_days(bank)
    moved_to = first + timedelta(days=1)
    moves.move(arrangement, first, actor=bank.coordinator.user, to=moved_to, reason="Rain")
    db.session.commit()
    assert _told(bank.a.user) == _told(bank.b.user) == ["visit_moved"]
    events = icalendar.Calendar.from_ical(feed.calendar(arrangement.volunteer)).walk("VEVENT")
    starts = {str(e["uid"]): e.decoded("dtstart").date() for e in events}
    assert starts[f"visit-{arrangement.id}-{first.isoformat()}@timebank"] == moved_to
    assert first not in starts.values()
