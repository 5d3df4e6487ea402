"""Moving a visit and agreeing two days a week, through the pages (issue 19)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from tests.companion_factories import make_arrangement, make_request
from tests.factories import PASSWORD, make_community, make_member
from timebank.extensions import db
from timebank.models import Arrangement, Frequency, PlannedVisit, Role
from timebank.services.companionship import schedule


@pytest.fixture
def world(app):
    community = make_community()
    elder = make_member(community, email="elder@example.org")
    volunteer = make_member(community, email="vol@example.org")
    make_member(community, email="other@example.org")
    coord = make_member(community, email="coord@example.org", role=Role.COORDINATOR)
    arrangement = make_arrangement(make_request(elder), volunteer, coord.user)
    first = schedule.local_today() + timedelta(days=3)
    arrangement.visit_weekday, arrangement.visit_time = first.weekday(), time(10, 0)
    arrangement.schedule_from = schedule.local_today()
    db.session.commit()
    found = community, arrangement.id, first
    db.session.commit()
    return found


def _page(community, arrangement_id) -> str:
    return f"/c/{community.slug}/companionship/arrangements/{arrangement_id}"


@pytest.mark.parametrize(
    ("days", "reason", "message"),
    [
        (None, "Away", "Enter the new day of the visit."),
        (3, "Away", "Move the visit by at most 2 days from its planned day."),
        (1, "", "Say why the visit is moved."),
    ],
)
def test_bad_moves_are_refused_next_to_the_field(auth, world, days, reason, message):
    community, arrangement_id, first = world
    url = f"{_page(community, arrangement_id)}/move"
    auth.login("vol@example.org", PASSWORD)
    to = "" if days is None else (first + timedelta(days=days)).isoformat()
    response = auth.post(url, {"day": first.isoformat(), "to": to, "reason": reason}, page=url)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(PlannedVisit)) == 0


def test_the_volunteer_moves_a_visit_and_the_member_sees_why(auth, world):
    community, arrangement_id, first = world
    page = _page(community, arrangement_id)
    auth.login("vol@example.org", PASSWORD)
    assert "up to 2 days" in auth.client.get(f"{page}/move").get_data(as_text=True)
    new_day = first + timedelta(days=1)
    response = auth.post(
        f"{page}/move",
        {"day": first.isoformat(), "to": new_day.isoformat(), "reason": "Bus strike"},
        page=f"{page}/move",
    )
    assert response.status_code == 302
    auth.logout()
    auth.login("elder@example.org", PASSWORD)
    html = auth.client.get(page).get_data(as_text=True)
    assert "Moved from" in html and "Bus strike" in html
    inbox = auth.client.get("/notifications/").get_data(as_text=True)
    assert "A companionship visit was moved" in inbox
    auth.logout()
    auth.login("other@example.org", PASSWORD)
    assert auth.client.get(f"{page}/move").status_code == 404


def test_twice_weekly_schedule_through_the_form(auth, world):
    community, arrangement_id, _ = world
    arrangement = db.session.get(Arrangement, arrangement_id)
    arrangement.request.frequency = Frequency.TWICE_WEEKLY
    arrangement.visit_weekday = None
    db.session.commit()
    page = _page(community, arrangement_id)
    auth.login("coord@example.org", PASSWORD)
    form = f"{page}/schedule"
    assert "Second day of the visits" in auth.client.get(form).get_data(as_text=True)
    same = auth.post(form, {"weekday": "1", "weekday2": "1", "at": "10:00"}, page=form)
    assert same.status_code == 400 and "Choose two different days." in same.get_data(as_text=True)
    ok = auth.post(form, {"weekday": "1", "weekday2": "4", "at": "10:00"}, page=form)
    assert ok.status_code == 302
    html = auth.client.get(page).get_data(as_text=True)
    assert "Tuesday and Friday at 10:00" in html
    assert html.count("<li>Tuesday, ") + html.count("<li>Friday, ") == 4
