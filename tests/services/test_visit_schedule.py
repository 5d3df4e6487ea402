"""Visit schedules, the escalation of a visit that did not happen, and isolation by the
agreed frequency (issue 19)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from tests.services.conftest import key, make_bank
from timebank.extensions import db
from timebank.jobs import tasks
from timebank.models import (
    Arrangement,
    Frequency,
    Notification,
    OutboxMessage,
    PlannedStatus,
    PlannedVisit,
    utcnow,
)
from timebank.services.companionship import dashboard as care
from timebank.services.companionship import escalation, safeguarding, schedule
from timebank.services.companionship import requests as companionship
from timebank.services.exceptions import InvalidInput, NotAllowed

MONDAY = date(2026, 11, 30)
TUESDAY = date(2026, 12, 1)


def _checked(bank, membership):
    today = utcnow().date()
    for check_type in ("background", "references"):
        safeguarding.record_check(
            membership, actor=bank.coordinator.user, check_type=check_type,
            checked_on=today - timedelta(days=10), expires_on=today + timedelta(days=365),
        )  # fmt: skip
    db.session.commit()


def _arrangement(bank, frequency="weekly") -> Arrangement:
    _checked(bank, bank.b)
    request = companionship.create_request(
        bank.a,
        actor=bank.a.user,
        data=companionship.RequestInput(
            kind="home_visit", frequency=frequency, preferred_times=None, language="en"
        ),
    )
    arrangement = companionship.match(request, actor=bank.coordinator.user, volunteer=bank.b)
    db.session.commit()
    return arrangement


def _tuesdays(arrangement: Arrangement) -> Arrangement:
    """Weekly (or as agreed) on Tuesdays at 10:00, from Monday 30 November 2026."""
    volunteer = arrangement.volunteer.user
    schedule.set_schedule(arrangement, actor=volunteer, weekday=1, at=time(10, 0))
    arrangement.schedule_from = MONDAY
    db.session.commit()
    return arrangement


@pytest.fixture
def bank(app):
    return make_bank()


def _kinds() -> dict[str, int]:
    rows = db.session.execute(
        select(Notification.kind, func.count()).group_by(Notification.kind)
    ).all()
    db.session.commit()
    return {kind: n for kind, n in rows if kind.startswith("visit_")}


def _at(day: date, hour: int = 11) -> str:
    return datetime.combine(day, time(hour), tzinfo=UTC).isoformat()


def test_weekly_schedule_gives_tuesdays_and_next_visits(bank):
    arrangement = _tuesdays(_arrangement(bank))
    dates = schedule.planned_dates(arrangement, MONDAY, MONDAY + timedelta(days=20))
    assert dates == [TUESDAY, TUESDAY + timedelta(days=7), TUESDAY + timedelta(days=14)]
    assert schedule.next_visits(arrangement, today=date(2026, 12, 2))[0] == date(2026, 12, 8)


def test_fortnightly_and_monthly_schedules(bank):
    arrangement = _tuesdays(_arrangement(bank, "fortnightly"))
    assert schedule.planned_dates(arrangement, date(2026, 12, 2), date(2026, 12, 31)) == [
        date(2026, 12, 15),
        date(2026, 12, 29),
    ]
    arrangement.request.frequency = Frequency.MONTHLY
    assert schedule.planned_dates(arrangement, MONDAY, date(2027, 2, 28)) == [
        TUESDAY,
        date(2027, 1, 5),
        date(2027, 2, 2),
    ]


def test_only_the_volunteer_or_a_coordinator_sets_the_schedule(bank):
    arrangement = _arrangement(bank)
    with pytest.raises(NotAllowed):
        schedule.set_schedule(arrangement, actor=bank.c.user, weekday=1, at=time(10))
    with pytest.raises(InvalidInput) as caught:
        schedule.set_schedule(arrangement, actor=bank.b.user, weekday=9, at=time(10))
    assert caught.value.field == "weekday"
    schedule.set_schedule(arrangement, actor=bank.b.user, weekday=3, at=time(15, 30))
    db.session.commit()
    assert (arrangement.visit_weekday, arrangement.visit_time) == (3, time(15, 30))


def test_missed_tuesday_reminds_offers_and_alerts_once_each(bank):
    """Wednesday a reminder, Thursday a stand-in offer, Friday a coordinator alert; each
    once however often the job runs; each step's time is kept."""
    _checked(bank, bank.c)  # a possible stand-in
    arrangement_id = _tuesdays(_arrangement(bank)).id
    db.session.commit()  # end the read, so the job may write (SQLite)
    tasks.escalate_visits(_at(TUESDAY, 12))
    assert _kinds() == {}
    for _ in range(2):
        tasks.escalate_visits(_at(date(2026, 12, 2)))
    assert _kinds() == {"visit_missed": 1}
    for _ in range(2):
        tasks.escalate_visits(_at(date(2026, 12, 3)))
    assert _kinds() == {"visit_missed": 1, "visit_stand_in": 1}
    for _ in range(2):
        tasks.escalate_visits(_at(date(2026, 12, 4)))
    assert _kinds() == {"visit_missed": 1, "visit_stand_in": 1, "visit_unattended": 2}
    planned = db.session.scalar(
        select(PlannedVisit).where(PlannedVisit.arrangement_id == arrangement_id)
    )
    assert planned.planned_on == TUESDAY and planned.status == PlannedStatus.PLANNED
    assert planned.reminded_at.date() == date(2026, 12, 2)
    assert planned.offered_at.date() == date(2026, 12, 3)
    assert planned.alerted_at.date() == date(2026, 12, 4)
    assert escalation.follow_ups(bank.community.id) == [planned]
    counts = {c.key: c.value for c in care.counts(bank.community)}
    assert counts["missed"] == 1


def test_stand_in_offer_goes_only_to_checked_volunteers(bank):
    _checked(bank, bank.c)
    arrangement = _tuesdays(_arrangement(bank))
    users = {m.user_id for m in escalation.stand_ins(arrangement)}
    assert users == {bank.c.user_id}


def test_a_logged_visit_closes_the_escalation(bank):
    arrangement = _tuesdays(_arrangement(bank))
    tasks.escalate_visits(_at(date(2026, 12, 2)))
    arrangement = db.session.get(Arrangement, arrangement.id)
    companionship.log_visit(
        arrangement, actor=bank.b.user, minutes=60, service_date=date(2026, 12, 2),
        wellbeing="all_well", concern_note=None, idempotency_key=key(),
    )  # fmt: skip
    db.session.commit()
    tasks.escalate_visits(_at(date(2026, 12, 4)))
    planned = db.session.scalar(select(PlannedVisit))
    assert planned.status == PlannedStatus.DONE and planned.visit_id is not None
    assert planned.offered_at is None and planned.alerted_at is None
    assert _kinds() == {"visit_missed": 1}


def test_reminder_is_in_the_volunteers_language(bank):
    bank.b.user.locale = "ar"
    db.session.commit()
    _tuesdays(_arrangement(bank))
    db.session.commit()
    tasks.escalate_visits(_at(date(2026, 12, 2)))
    subjects = list(db.session.scalars(select(OutboxMessage.subject).where(
        OutboxMessage.to_address == bank.b.user.email)))  # fmt: skip
    assert any("زيارة" in s for s in subjects), subjects


def _age(arrangement: Arrangement, days: int) -> None:
    arrangement.confirmed_at = utcnow() - timedelta(days=days)
    db.session.commit()


def _isolated(bank) -> int:
    return {c.key: c.value for c in care.counts(bank.community)}["isolated"]


def test_monthly_is_not_isolated_after_14_days_but_weekly_is_after_the_margin(bank, app):
    monthly = _arrangement(bank, "monthly")
    _age(monthly, 20)
    assert _isolated(bank) == 0
    _age(monthly, 40)
    assert _isolated(bank) == 1
    companionship.end(monthly, actor=bank.coordinator.user)
    db.session.commit()
    weekly = _arrangement(bank, "weekly")
    app.config["COMPANIONSHIP_ISOLATION_MARGIN_DAYS"] = 2
    _age(weekly, 8)
    assert _isolated(bank) == 0
    _age(weekly, 10)
    assert _isolated(bank) == 1


def test_first_stand_in_to_accept_takes_the_visit_and_logging_closes_it(bank):
    """Thursday's offer: the checked member accepts (a second acceptance is refused), logs
    the visit, and Friday brings no coordinator alert."""
    from timebank.services.companionship import standin
    from timebank.services.exceptions import AlreadyDecided

    _checked(bank, bank.c)
    arrangement_id = _tuesdays(_arrangement(bank)).id
    db.session.commit()
    tasks.escalate_visits(_at(date(2026, 12, 3)))
    planned = db.session.scalar(
        select(PlannedVisit).where(PlannedVisit.arrangement_id == arrangement_id)
    )
    assert standin.offer_for(bank.community, planned.id, bank.c.user) is planned
    assert standin.offer_for(bank.community, planned.id, bank.coordinator2.user) is not None
    with pytest.raises(NotAllowed):
        standin.accept(planned, actor=bank.a.user)  # the visited member is no stand-in
    standin.accept(planned, actor=bank.c.user)
    db.session.commit()
    with pytest.raises(AlreadyDecided):
        standin.accept(planned, actor=bank.c.user)
    with pytest.raises(InvalidInput):
        standin.log(
            planned, actor=bank.c.user, minutes=60, service_date=MONDAY,
            wellbeing="all_well", concern_note=None, idempotency_key=key(),
        )  # fmt: skip
    standin.log(
        planned, actor=bank.c.user, minutes=60, service_date=date(2026, 12, 3),
        wellbeing="all_well", concern_note=None, idempotency_key=key(),
    )  # fmt: skip
    db.session.commit()
    tasks.escalate_visits(_at(date(2026, 12, 4)))
    planned = db.session.get(PlannedVisit, planned.id)
    assert planned.status == PlannedStatus.DONE and planned.alerted_at is None
    assert "visit_unattended" not in _kinds()


def test_a_visit_in_a_declared_absence_goes_straight_to_stand_ins(bank):
    """Away on Tuesday: on Monday the visit is offered to stand-ins, the volunteer is not
    reminded; the coordinators are still alerted on Friday if nobody logs it."""
    from timebank.models import VolunteerAbsence

    _checked(bank, bank.c)
    arrangement_id = _tuesdays(_arrangement(bank)).id
    db.session.add(VolunteerAbsence(membership_id=bank.b.id, starts_on=TUESDAY, ends_on=TUESDAY))
    db.session.commit()
    for _ in range(2):
        tasks.escalate_visits(_at(MONDAY))
    assert _kinds() == {"visit_stand_in": 1}
    tasks.escalate_visits(_at(date(2026, 12, 4)))
    assert _kinds() == {"visit_stand_in": 1, "visit_unattended": 2}
    planned = db.session.scalar(
        select(PlannedVisit).where(PlannedVisit.arrangement_id == arrangement_id)
    )
    assert planned.reminded_at is None and planned.offered_at.date() == MONDAY
