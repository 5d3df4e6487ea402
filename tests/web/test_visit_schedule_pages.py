"""The visit schedule pages (issue 19): agreeing the day and time, the next visits on the
arrangement page, bad input, and the coordinators' list of planned visits not logged."""

from __future__ import annotations

from datetime import date, time

import pytest

from tests.companion_factories import make_arrangement, make_request
from tests.factories import PASSWORD, make_community, make_member
from timebank.extensions import db
from timebank.models import Arrangement, Role


@pytest.fixture
def world(app):
    community = make_community()
    elder = make_member(community, email="elder@example.org")
    volunteer = make_member(community, email="vol@example.org")
    make_member(community, email="other@example.org")
    coord = make_member(community, email="coord@example.org", role=Role.COORDINATOR)
    arrangement = make_arrangement(make_request(elder), volunteer, coord.user)
    return community, arrangement.id


def _page(community, arrangement_id) -> str:
    return f"/c/{community.slug}/companionship/arrangements/{arrangement_id}"


def test_volunteer_agrees_the_day_and_sees_the_next_visits(auth, world):
    community, arrangement_id = world
    page = _page(community, arrangement_id)
    auth.login("vol@example.org", PASSWORD)
    assert "No visit day is agreed yet." in auth.client.get(page).get_data(as_text=True)
    response = auth.post(
        f"{page}/schedule", {"weekday": "1", "at": "10:00"}, page=f"{page}/schedule"
    )
    assert response.status_code == 302
    arrangement = db.session.get(Arrangement, arrangement_id)
    assert (arrangement.visit_weekday, arrangement.visit_time) == (1, time(10, 0))
    html = auth.client.get(page).get_data(as_text=True)
    assert "Tuesday at 10:00" in html and html.count("<li>Tuesday, ") == 4


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"weekday": "", "at": "10:00"}, "Choose a day of the week."),
        ({"weekday": "12", "at": "10:00"}, "Choose a day of the week."),
        ({"weekday": "1", "at": "25:99"}, "Not a valid time value."),
        ({"weekday": "1", "at": ""}, "Give the time of the visit."),
    ],
)
def test_bad_schedule_input_is_refused_next_to_the_field(auth, world, data, message):
    community, arrangement_id = world
    page = _page(community, arrangement_id)
    auth.login("coord@example.org", PASSWORD)
    response = auth.post(f"{page}/schedule", data, page=f"{page}/schedule")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.get(Arrangement, arrangement_id).visit_weekday is None


def test_others_cannot_change_the_schedule(auth, world):
    community, arrangement_id = world
    page = _page(community, arrangement_id)
    auth.login("elder@example.org", PASSWORD)
    assert auth.client.get(f"{page}/schedule").status_code == 403
    auth.logout()
    auth.login("other@example.org", PASSWORD)
    assert auth.client.get(f"{page}/schedule").status_code == 404


def test_missed_visits_page_is_for_coordinators(auth, world):
    community, _ = world
    url = f"/c/{community.slug}/companionship/missed"
    auth.login("coord@example.org", PASSWORD)
    response = auth.client.get(url)
    assert response.status_code == 200 and "Every planned visit was logged." in response.get_data(
        as_text=True
    )
    auth.logout()
    auth.login("vol@example.org", PASSWORD)
    assert auth.client.get(url).status_code in (403, 404)


def test_stand_in_accepts_and_logs_through_the_pages(auth, world):
    from datetime import timedelta

    from tests.companion_factories import make_check
    from timebank.models import CheckType, PlannedStatus, PlannedVisit, utcnow

    community, arrangement_id = world
    other = db.session.scalar(
        db.select(Arrangement).where(Arrangement.id == arrangement_id)
    ).request.recipient.community
    stand_in_member = next(m for m in other.memberships if m.user.email == "other@example.org")
    coord = next(m for m in other.memberships if m.user.email == "coord@example.org")
    for check_type in (CheckType.BACKGROUND, CheckType.REFERENCES):
        make_check(stand_in_member, coord.user, check_type)
    now = utcnow()
    planned = PlannedVisit(
        arrangement_id=arrangement_id, planned_on=now.date() - timedelta(days=2),
        reminded_at=now, offered_at=now,
    )  # fmt: skip
    db.session.add(planned)
    db.session.commit()
    url = f"/c/{community.slug}/companionship/stand-in/{planned.id}"
    auth.login("other@example.org", PASSWORD)
    assert "I will stand in" in auth.client.get(url).get_data(as_text=True)
    assert auth.post(f"{url}/accept", {}, page=url).status_code == 302
    bad = auth.post(f"{url}/visit", {"service_date": "", "minutes": "60"}, page=url)
    assert bad.status_code == 400 and "Enter the date of the visit." in bad.get_data(as_text=True)
    day = planned.planned_on.isoformat()
    response = auth.post(
        f"{url}/visit",
        {"service_date": day, "minutes": "60", "wellbeing": "all_well"},
        page=url,
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(PlannedVisit, planned.id).status == PlannedStatus.DONE


def test_calendar_feed_validates_and_stops_working_when_revoked(auth, world):
    """The volunteer makes a feed address; the feed parses back (icalendar) with the
    Tuesday visits at 10:00 in the community's time zone; revoked, it is 404."""
    import icalendar

    community, arrangement_id = world
    arrangement = db.session.get(Arrangement, arrangement_id)
    arrangement.visit_weekday, arrangement.visit_time = 1, time(10, 0)
    arrangement.schedule_from = date.today()
    db.session.commit()
    base = f"/c/{community.slug}/companionship/calendar"
    auth.login("vol@example.org", PASSWORD)
    html = auth.post(base, {}, page=base).get_data(as_text=True)
    address = html.split("readonly>")[1].split("<")[0]
    path = "/" + address.split("://", 1)[1].split("/", 1)[1]
    auth.logout()
    response = auth.client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    parsed = icalendar.Calendar.from_ical(response.data)
    events = list(parsed.walk("VEVENT"))
    assert len(events) >= 12
    start = events[0].decoded("dtstart")
    assert start.weekday() == 1 and start.hour == 10 and start.tzinfo is not None
    assert "Home visit with" in str(events[0]["summary"])
    auth.login("vol@example.org", PASSWORD)
    assert auth.post(f"{base}/revoke", {}, page=base).status_code == 302
    auth.logout()
    assert auth.client.get(path).status_code == 404
    assert auth.client.get(f"/c/{community.slug}/companionship/visits/nope.ics").status_code == 404


def test_the_member_skips_a_planned_visit_with_a_reason(auth, world):
    from timebank.models import PlannedStatus, PlannedVisit
    from timebank.services.companionship import schedule

    community, arrangement_id = world
    arrangement = db.session.get(Arrangement, arrangement_id)
    arrangement.visit_weekday, arrangement.visit_time = 1, time(10, 0)
    arrangement.schedule_from = date.today()
    db.session.commit()
    first = schedule.next_visits(arrangement)[0]
    db.session.commit()
    url = f"{_page(community, arrangement_id)}/skip"
    auth.login("elder@example.org", PASSWORD)
    for data, message in (
        ({"day": first.isoformat(), "reason": ""}, "Say why the visit is skipped."),
        ({"day": "2020-01-01", "reason": "Away"}, "Choose one of the planned visits."),
    ):
        response = auth.post(url, data, page=url)
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert (
        auth.post(
            url, {"day": first.isoformat(), "reason": "At the doctor's"}, page=url
        ).status_code
        == 302
    )
    planned = db.session.scalar(db.select(PlannedVisit))
    assert planned.status == PlannedStatus.SKIPPED and planned.reason == "At the doctor's"
    assert first not in schedule.next_visits(db.session.get(Arrangement, arrangement_id))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"starts_on": "", "ends_on": "2099-01-02"}, "Enter the first day you are away."),
        ({"starts_on": "2099-01-05", "ends_on": "2099-01-02"}, "The last day cannot be before"),
        ({"starts_on": "2020-01-01", "ends_on": "2020-01-02"}, "The absence is already over."),
        ({"starts_on": "2099-01-01", "ends_on": "nonsense"}, "Not a valid date value."),
    ],
)
def test_bad_absence_is_refused(auth, world, data, message):
    from timebank.models import VolunteerAbsence

    community, _ = world
    url = f"/c/{community.slug}/companionship/away"
    auth.login("vol@example.org", PASSWORD)
    response = auth.post(url, data, page=url)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(VolunteerAbsence)) == 0


def test_volunteer_declares_an_absence(auth, world):
    community, _ = world
    url = f"/c/{community.slug}/companionship/away"
    auth.login("vol@example.org", PASSWORD)
    response = auth.post(url, {"starts_on": "2099-01-01", "ends_on": "2099-01-14"}, page=url)
    assert response.status_code == 302
    assert "Jan 14, 2099" in auth.client.get(url).get_data(as_text=True)
