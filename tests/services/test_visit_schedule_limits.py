"""The volunteer's limits on the visit day and time (issue 19): once agreed, the volunteer
keeps the day and changes the time by at most COMPANIONSHIP_VOLUNTEER_SHIFT_HOURS; a
coordinator changes anything; the other party is told of every change, in their language."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import select

from tests.services.conftest import make_bank
from tests.services.test_visit_schedule import _arrangement
from timebank.extensions import db
from timebank.models import Notification, OutboxMessage
from timebank.services.companionship import schedule
from timebank.services.exceptions import InvalidInput


@pytest.fixture
def bank(app):
    return make_bank()


def _told(user) -> list[str]:
    """The e-mails about a schedule change sent to ``user`` (one per notification)."""
    kinds = db.session.scalars(
        select(Notification.kind).where(
            Notification.user_id == user.id, Notification.kind == "visit_schedule"
        )
    ).all()
    mails = db.session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.recipient_id == user.id)
    ).all()
    changed = [body for body in mails if "now on" in body or "الآن" in body]
    assert len(changed) == len(kinds)
    return changed


def _agreed(bank, frequency="weekly"):
    arrangement = _arrangement(bank, frequency)
    weekday2 = 3 if frequency == "twice_weekly" else None
    schedule.set_schedule(
        arrangement, actor=bank.b.user, weekday=1, weekday2=weekday2, at=time(10, 0)
    )
    db.session.commit()
    return arrangement


def test_the_first_agreement_is_free_and_tells_nobody(bank):
    arrangement = _agreed(bank)
    assert (arrangement.visit_weekday, arrangement.visit_time) == (1, time(10, 0))
    assert _told(bank.a.user) == [] and _told(bank.b.user) == []


def test_the_volunteer_shifts_the_time_within_the_limit_and_the_member_is_told(bank):
    arrangement = _agreed(bank)
    arrangement.schedule_from = start = schedule.local_today().replace(day=1)
    db.session.commit()
    schedule.set_schedule(arrangement, actor=bank.b.user, weekday=1, at=time(12, 0))
    db.session.commit()
    assert arrangement.visit_time == time(12, 0)
    assert arrangement.schedule_from == start  # the dates stay; only the time changed
    told = _told(bank.a.user)
    assert len(told) == 1 and "Tuesday at 12:00" in told[0]
    assert _told(bank.b.user) == []


def test_the_volunteer_cannot_shift_the_time_further(bank):
    arrangement = _agreed(bank)
    with pytest.raises(InvalidInput) as refused:
        schedule.set_schedule(arrangement, actor=bank.b.user, weekday=1, at=time(12, 1))
    assert refused.value.field == "at" and "at most 2 hours" in str(refused.value)
    db.session.rollback()
    assert arrangement.visit_time == time(10, 0) and _told(bank.a.user) == []


def test_the_limit_is_a_setting(bank, app):
    arrangement = _agreed(bank)
    app.config["COMPANIONSHIP_VOLUNTEER_SHIFT_HOURS"] = 4
    schedule.set_schedule(arrangement, actor=bank.b.user, weekday=1, at=time(14, 0))
    assert arrangement.visit_time == time(14, 0)


def test_the_volunteer_cannot_change_the_agreed_day(bank):
    arrangement = _agreed(bank)
    with pytest.raises(InvalidInput) as refused:
        schedule.set_schedule(arrangement, actor=bank.b.user, weekday=2, at=time(10, 0))
    assert refused.value.field == "weekday" and "Only a coordinator" in str(refused.value)
    db.session.rollback()
    assert arrangement.visit_weekday == 1


def test_twice_weekly_the_volunteer_keeps_both_days_in_any_order(bank):
    arrangement = _agreed(bank, "twice_weekly")
    schedule.set_schedule(arrangement, actor=bank.b.user, weekday=3, weekday2=1, at=time(9, 0))
    db.session.commit()
    assert sorted(schedule.weekdays(arrangement)) == [1, 3]
    with pytest.raises(InvalidInput) as refused:
        schedule.set_schedule(arrangement, actor=bank.b.user, weekday=3, weekday2=4, at=time(9, 0))
    assert refused.value.field == "weekday2"


def test_the_coordinator_changes_the_day_and_both_parties_are_told_in_their_language(bank):
    arrangement = _agreed(bank)
    bank.a.user.locale = "ar"
    db.session.commit()
    schedule.set_schedule(arrangement, actor=bank.coordinator.user, weekday=4, at=time(16, 0))
    db.session.commit()
    assert (arrangement.visit_weekday, arrangement.visit_time) == (4, time(16, 0))
    assert "Friday at 16:00" in _told(bank.b.user)[0]
    assert "الجمعة" in _told(bank.a.user)[0] and "١٦:٠٠" in _told(bank.a.user)[0]


def test_saving_the_same_schedule_tells_nobody(bank):
    arrangement = _agreed(bank)
    schedule.set_schedule(arrangement, actor=bank.b.user, weekday=1, at=time(10, 0))
    db.session.commit()
    assert _told(bank.a.user) == []
