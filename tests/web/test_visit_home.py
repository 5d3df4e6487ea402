"""The next companionship visits on the member home page (issue 19): the visited member
and the volunteer see theirs, moved visits on their new day, a proxy sees the member's,
and a member without visits sees nothing."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import event

from tests.companion_factories import make_arrangement, make_request
from tests.factories import PASSWORD, make_community, make_member
from timebank.extensions import db
from timebank.models import Proxy, Role
from timebank.services.companionship import home, moves, schedule


@pytest.fixture
def world(app):
    community = make_community()
    elder = make_member(community, email="elder@example.org", name="Hajj Omar")
    volunteer = make_member(community, email="vol@example.org", name="Rana Volunteer")
    proxy = make_member(community, email="proxy@example.org", name="Sami Proxy")
    make_member(community, email="other@example.org")
    coord = make_member(community, email="coord@example.org", role=Role.COORDINATOR)
    arrangement = make_arrangement(make_request(elder), volunteer, coord.user)
    db.session.add(
        Proxy(community_id=community.id, member_id=elder.id, proxy_id=proxy.id,
              appointed_by_id=coord.user_id)
    )  # fmt: skip
    db.session.commit()
    return community, arrangement


def _scheduled(arrangement, weekday: int | None = None):
    today = schedule.local_today()
    day = (today + timedelta(days=1)).weekday() if weekday is None else weekday
    schedule.set_schedule(
        arrangement, actor=arrangement.volunteer.user, weekday=day, at=time(10, 30)
    )
    db.session.commit()
    return [s.on for s in schedule.upcoming(arrangement)]


def _home(auth, community, email, lang="en") -> str:
    auth.login(email, PASSWORD)
    return auth.client.get(f"/c/{community.slug}/", headers={"Accept-Language": lang}).get_data(
        as_text=True
    )


def test_both_parties_and_the_proxy_see_the_next_three_visits(auth, world):
    community, arrangement = world
    days = _scheduled(arrangement)
    link = f"/c/{community.slug}/companionship/arrangements/{arrangement.id}"
    page = _home(auth, community, "vol@example.org")
    assert "Next visits" in page and link in page
    assert "You visit" in page and "Hajj Omar" in page
    assert f"{days[0].strftime('%A')}, {days[0].strftime('%B')}" in page
    assert "10:30" in page
    assert page.count('<span class="meta">') >= 3
    assert days[2].strftime("%B %-d,") in page and days[3].strftime("%B %-d,") not in page
    auth.logout()
    page = _home(auth, community, "elder@example.org")
    assert "visits you" in page and "Rana Volunteer" in page and link in page
    auth.logout()
    page = _home(auth, community, "proxy@example.org")
    assert "Acting for" in page and "Visited by" in page and "Rana Volunteer" in page
    assert link not in page  # the proxy does not see the arrangement page itself
    auth.logout()
    page = _home(auth, community, "other@example.org")
    assert "Next visits" not in page


def test_a_moved_visit_shows_on_its_new_day_in_arabic(auth, world):
    community, arrangement = world
    days = _scheduled(arrangement)
    to = days[0] + timedelta(days=1)
    moves.move(arrangement, days[0], actor=arrangement.volunteer.user, to=to, reason="Ill")
    arrangement.request.recipient.user.locale = "ar"
    db.session.commit()
    page = _home(auth, community, "elder@example.org")
    assert "الزيارات القادمة" in page
    assert "١٠:٣٠" in page and "10:30" not in page
    assert "نُقلت من" in page


def test_an_arrangement_without_a_schedule_gets_a_short_line(auth, world):
    community, _arrangement = world
    page = _home(auth, community, "vol@example.org")
    assert "The day and time of a companionship visit are not agreed yet." in page


def test_one_query_for_every_member_shown(app, world):
    community, arrangement = world
    _scheduled(arrangement)
    members = [arrangement.volunteer, arrangement.request.recipient]
    db.session.expire_all()
    members = [db.session.merge(m) for m in members]
    for m in members:
        _ = m.user
    seen: list[str] = []
    engine = db.engine
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        found = home.next_visits(members)
        for mine in found:
            for v in mine.visits:
                _ = (v.other.user.display_name, v.arrangement.visit_time, v.moved)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(seen) == 1
    assert [len(m.visits) for m in found] == [3, 3]


def test_the_volunteer_is_refused_a_new_day_next_to_the_field_with_the_input_kept(auth, world):
    community, arrangement = world
    _scheduled(arrangement, weekday=1)
    page = f"/c/{community.slug}/companionship/arrangements/{arrangement.id}/schedule"
    auth.login("vol@example.org", PASSWORD)
    assert "You can change the time by up to 2 hours" in auth.client.get(page).get_data(
        as_text=True
    )
    response = auth.post(page, {"weekday": "4", "at": "10:30"}, page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Only a coordinator can change the agreed day." in html
    assert '<option selected value="4">' in html or 'value="4" selected' in html
    response = auth.post(page, {"weekday": "1", "at": "17:00"}, page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "at most 2 hours" in html and 'value="17:00"' in html
    db.session.refresh(arrangement)
    assert (arrangement.visit_weekday, arrangement.visit_time) == (1, time(10, 30))
    assert auth.post(page, {"weekday": "1", "at": "12:00"}, page=page).status_code == 302
    auth.logout()
    auth.login("coord@example.org", PASSWORD)
    assert "You can change the time" not in auth.client.get(page).get_data(as_text=True)
    assert auth.post(page, {"weekday": "4", "at": "17:00"}, page=page).status_code == 302
