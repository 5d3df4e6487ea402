"""Issue 19's done-when story for a missed visit: a weekly Tuesday arrangement with no
visit logged brings a reminder on Wednesday, a stand-in offer on Thursday and a
coordinator alert on Friday, each once however often the job runs, each in its reader's
language, and the coordinator dashboard leads to every step with its time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from tests.companion_factories import make_arrangement, make_check, make_request
from tests.factories import PASSWORD, make_community, make_member
from timebank.extensions import db
from timebank.jobs import tasks
from timebank.models import Arrangement, CheckType, Notification, OutboxMessage, Role

MONDAY = date(2026, 11, 30)


@pytest.fixture
def story(app):
    community = make_community()
    elder = make_member(community, email="elder@example.org", locale="ar")
    volunteer = make_member(community, email="vol@example.org", locale="en")
    stand_in = make_member(community, email="standin@example.org", locale="ar")
    coord_ar = make_member(community, email="coord@example.org", role=Role.COORDINATOR,
                           locale="ar")  # fmt: skip
    make_member(community, email="coord2@example.org", role=Role.COORDINATOR, locale="en")
    for member in (volunteer, stand_in):
        for check_type in (CheckType.BACKGROUND, CheckType.REFERENCES):
            make_check(member, coord_ar.user, check_type)
    request = make_request(elder)
    request.language = "ar"
    arrangement = make_arrangement(request, volunteer, coord_ar.user)
    arrangement.visit_weekday, arrangement.visit_time = 1, time(10, 0)
    arrangement.schedule_from = MONDAY
    db.session.commit()
    found = community, arrangement.id
    db.session.commit()  # end the read, so the job may write (SQLite)
    return found


def _run_twice(day: date) -> None:
    for _ in range(2):
        tasks.escalate_visits(datetime.combine(day, time(11), tzinfo=UTC).isoformat())


def _subjects(email: str) -> list[str]:
    found = list(
        db.session.scalars(
            select(OutboxMessage.subject)
            .where(OutboxMessage.to_address == email)
            .order_by(OutboxMessage.id)
        )
    )
    db.session.commit()
    return found


def _kinds() -> dict[str, int]:
    rows = db.session.execute(
        select(Notification.kind, func.count()).group_by(Notification.kind)
    ).all()
    db.session.commit()
    return {kind: n for kind, n in rows if kind.startswith("visit_")}


def test_a_missed_tuesday_is_escalated_once_per_step_in_each_readers_language(auth, story):
    community, arrangement_id = story
    _run_twice(date(2026, 12, 2))  # Wednesday
    assert _kinds() == {"visit_missed": 1}
    assert _subjects("vol@example.org")[-1] == "A planned visit was not logged"
    _run_twice(date(2026, 12, 3))  # Thursday
    assert _kinds() == {"visit_missed": 1, "visit_stand_in": 1}
    assert _subjects("standin@example.org")[-1] == "هل يمكنك أن تنوب في زيارة مؤانسة؟"
    assert not any("stand in" in s for s in _subjects("vol@example.org"))
    _run_twice(date(2026, 12, 4))  # Friday
    assert _kinds() == {"visit_missed": 1, "visit_stand_in": 1, "visit_unattended": 2}
    assert _subjects("coord@example.org")[-1] == "لم تتم زيارة مؤانسة مقررة"
    assert _subjects("coord2@example.org")[-1] == "A planned companionship visit did not happen"
    assert db.session.get(Arrangement, arrangement_id).status.value == "active"
    db.session.commit()

    auth.login("coord2@example.org", PASSWORD)
    dashboard = auth.client.get(f"/c/{community.slug}/coordinator/").get_data(as_text=True)
    missed_url = f"/c/{community.slug}/companionship/missed"
    assert f'href="{missed_url}">Planned visits not logged</a>' in dashboard
    page = auth.client.get(missed_url).get_data(as_text=True)
    row = page.split("<tbody>")[1].split("</tbody>")[0]
    assert "Tuesday, December 1, 2026" in row and "Not logged" in row
    # Each step with its time: Wednesday, Thursday and Friday.
    for day in ("Dec 2, 2026", "Dec 3, 2026", "Dec 4, 2026"):
        assert day in row, row
    assert "–" not in row
    auth.logout()

    auth.login("coord@example.org", PASSWORD)
    page = auth.client.get(missed_url).get_data(as_text=True)
    assert "زيارات مقررة لم تُسجَّل" in page and "الثلاثاء" in page
