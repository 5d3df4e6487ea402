"""After a match, the volunteer (and only them, while the arrangement is active) sees the
visited person's address, phone and how to get in; each showing is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.companion_factories import make_arrangement, make_request
from tests.factories import PASSWORD, make_community, make_member
from timebank.extensions import db
from timebank.models import ArrangementStatus, AuditEvent, Profile, Role, utcnow
from timebank.services.companionship import privacy

ADDRESS = "12 Olive Street, flat 3"
PHONE = "06 555 0199"
DOOR = "Door code 4711, ring twice"


@pytest.fixture
def matched(app):
    community = make_community()
    people = {
        "elder": make_member(community, email="elder@example.org"),
        "volunteer": make_member(community, email="vol@example.org"),
        "other_vol": make_member(community, email="vol2@example.org"),
        "other": make_member(community, email="other@example.org"),
        "coord": make_member(community, email="coord@example.org", role=Role.COORDINATOR),
    }
    profile = db.session.scalar(select(Profile).where(Profile.membership_id == people["elder"].id))
    profile.address, profile.phone = ADDRESS, PHONE
    request = make_request(people["elder"])
    request.access_notes = DOOR
    arrangement = make_arrangement(request, people["volunteer"], people["coord"].user)
    offered = make_arrangement(request, people["other_vol"], people["coord"].user)
    offered.status = ArrangementStatus.OFFERED
    request.status = "matched"
    db.session.commit()
    return community, people, request, arrangement


def _views() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "companionship.contact_view")
    )


def _url(community, request) -> str:
    return f"/c/{community.slug}/companionship/requests/{request.id}"


def test_the_active_volunteer_sees_address_phone_and_access_notes(auth, matched):
    community, people, request, arrangement = matched
    auth.login("vol@example.org", PASSWORD)
    response = auth.client.get(_url(community, request))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert ADDRESS in page and PHONE in page and "Door code 4711" in page
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "companionship.contact_view")
    )
    assert event.actor_id == people["volunteer"].user_id
    assert (event.object_type, event.object_id) == ("companionship_arrangements", arrangement.id)
    assert ADDRESS not in str(event.details)
    # The arrangement page shows them too, audited again.
    arrangement_page = auth.client.get(
        f"/c/{community.slug}/companionship/arrangements/{arrangement.id}"
    ).get_data(as_text=True)
    assert PHONE in arrangement_page
    assert _views() == 2


@pytest.mark.parametrize("who", ["other@example.org", "vol2@example.org"])
def test_other_members_and_volunteers_get_404(auth, matched, who):
    community, _people, request, _arrangement = matched
    auth.login(who, PASSWORD)
    response = auth.client.get(_url(community, request))
    assert response.status_code == 404
    assert ADDRESS not in response.get_data(as_text=True)
    assert _views() == 0


def test_an_ended_match_hides_the_contact(auth, matched):
    community, _people, request, arrangement = matched
    arrangement.status, arrangement.ended_at = ArrangementStatus.ENDED, utcnow()
    db.session.commit()
    auth.login("vol@example.org", PASSWORD)
    assert auth.client.get(_url(community, request)).status_code == 404
    page = auth.client.get(
        f"/c/{community.slug}/companionship/arrangements/{arrangement.id}"
    ).get_data(as_text=True)
    assert ADDRESS not in page and PHONE not in page and "4711" not in page
    assert _views() == 0


def test_coordinator_and_recipient_see_the_notes_without_a_contact_view(auth, matched):
    community, _people, request, _arrangement = matched
    for who in ("coord@example.org", "elder@example.org"):
        auth.login(who, PASSWORD)
        page = auth.client.get(_url(community, request)).get_data(as_text=True)
        assert "Door code 4711" in page  # in the access-notes form
        auth.logout()
    assert _views() == 0


def test_the_recipient_records_how_to_get_in(auth, matched):
    community, people, request, _arrangement = matched
    auth.login("elder@example.org", PASSWORD)
    url = _url(community, request)
    response = auth.post(f"{url}/access", {"access_notes": "Key under the mat"}, page=url)
    assert response.status_code == 302
    db.session.refresh(request)
    assert request.access_notes == "Key under the mat"
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "companionship.access_notes")
    )
    assert event.actor_id == people["elder"].user_id and event.details == {"set": True}


def test_too_long_access_notes_are_refused_next_to_the_field(auth, matched):
    community, _people, request, _arrangement = matched
    auth.login("elder@example.org", PASSWORD)
    url = _url(community, request)
    response = auth.post(f"{url}/access", {"access_notes": "x" * 501}, page=url)
    assert response.status_code == 400
    assert "longer than 500 characters" in response.get_data(as_text=True)
    db.session.refresh(request)
    assert request.access_notes == DOOR


def test_a_volunteer_cannot_change_the_access_notes(auth, matched):
    community, _people, request, _arrangement = matched
    auth.login("vol@example.org", PASSWORD)
    url = _url(community, request)
    response = auth.post(f"{url}/access", {"access_notes": "changed"}, page=url)
    assert response.status_code == 404
    db.session.refresh(request)
    assert request.access_notes == DOOR


def test_access_notes_join_the_data_download_and_are_erased(matched):
    _community, people, request, _arrangement = matched
    elder = people["elder"]
    exported = privacy.export(elder.user, [elder.id])
    assert exported["companionship_requests"][0]["access_notes"] == DOOR
    privacy.erase(elder.user, [elder.id])
    db.session.commit()
    db.session.refresh(request)
    assert request.access_notes is None
