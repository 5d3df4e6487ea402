"""Profiles of members without internet: a coordinator or the member's proxy edits the
profile and contact details on their behalf, audited "on behalf of"; the member sees who
changed what."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, make_community, make_member
from timebank.extensions import db
from timebank.models import AuditEvent, Profile, Proxy, Role, utcnow
from timebank.services.community import profiles

PHONE = "06 555 0142"


@pytest.fixture
def offline(app):
    community = make_community()
    people = {
        "member": make_member(community, email="member@example.org", name="Hajj Omar"),
        "proxy": make_member(community, email="proxy@example.org", name="Rana Proxy"),
        "coord": make_member(community, email="coord@example.org", role=Role.COORDINATOR,
                             name="Coordinator Sami"),
        "other": make_member(community, email="other@example.org"),
    }  # fmt: skip
    db.session.add(
        Proxy(
            community_id=community.id,
            member_id=people["member"].id,
            proxy_id=people["proxy"].id,
            appointed_by_id=people["coord"].user_id,
        )
    )
    db.session.commit()
    return community, people


def _form(**changes) -> dict:
    data = {"display_name": "Hajj Omar", "languages": ["ar"], "shown": ["bio"]}
    data.update(changes)
    return data


def _url(community, membership) -> str:
    return f"/c/{community.slug}/people/{membership.id}"


@pytest.mark.parametrize("editor", ["proxy", "coord"])
def test_proxy_or_coordinator_edits_on_behalf_and_the_member_sees_it(auth, offline, editor):
    community, p = offline
    member = p["member"]
    auth.login(f"{editor}@example.org", PASSWORD)
    profile_page = auth.client.get(_url(community, member)).get_data(as_text=True)
    assert f"/people/{member.id}/edit" in profile_page
    url = f"{_url(community, member)}/edit"
    assert "on behalf of the member" in auth.client.get(url).get_data(as_text=True)
    response = auth.post(
        url, _form(display_name="الحاج عمر", phone=PHONE, neighbourhood="Harbour"), page=url
    )
    assert response.status_code == 302
    db.session.expire_all()
    profile = db.session.scalar(select(Profile).where(Profile.membership_id == member.id))
    assert (profile.phone, profile.neighbourhood) == (PHONE, "Harbour")
    assert member.user.display_name == "الحاج عمر"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "profile.update"))
    assert event.actor_id == p[editor].user_id
    assert event.on_behalf_of_id == member.user_id
    assert set(event.details["changed"]) == {"display_name", "phone", "neighbourhood",
                                             "languages", "shown"}  # fmt: skip
    assert PHONE not in str(event.details)
    auth.logout()

    auth.login("member@example.org", PASSWORD)
    page = auth.client.get(_url(community, member)).get_data(as_text=True)
    assert "Changes to your profile" in page
    assert p[editor].user.display_name in page and "on your behalf" in page
    assert "Phone number" in page and "Neighbourhood" in page


def test_other_members_cannot_edit_or_see_the_history(auth, offline):
    community, p = offline
    member = p["member"]
    profiles.update(
        member, actor=p["coord"].user, data=profiles.ProfileInput("Hajj Omar", phone=PHONE)
    )
    db.session.commit()
    auth.login("other@example.org", PASSWORD)
    url = f"{_url(community, member)}/edit"
    assert auth.client.get(url).status_code == 404
    assert auth.post(url, _form(phone="000"), page=_url(community, member)).status_code == 404
    page = auth.client.get(_url(community, member)).get_data(as_text=True)
    assert "Changes to" not in page and PHONE not in page


def test_an_ended_proxy_can_no_longer_edit(auth, offline):
    community, p = offline
    appointment = db.session.scalar(select(Proxy))
    appointment.ended_at = utcnow()
    db.session.commit()
    auth.login("proxy@example.org", PASSWORD)
    assert auth.client.get(f"{_url(community, p['member'])}/edit").status_code == 404


def test_bad_input_on_behalf_changes_nothing(auth, offline):
    community, p = offline
    auth.login("proxy@example.org", PASSWORD)
    url = f"{_url(community, p['member'])}/edit"
    response = auth.post(url, _form(display_name="", phone=PHONE), page=url)
    assert "Enter the name other members will see." in response.get_data(as_text=True)
    db.session.expire_all()
    assert p["member"].user.display_name == "Hajj Omar"
    assert (
        db.session.scalar(select(AuditEvent).where(AuditEvent.action == "profile.update")) is None
    )


def test_the_member_edits_their_own_profile_and_it_is_listed_as_theirs(offline):
    _community, p = offline
    member = p["member"]
    profiles.update(member, actor=member.user, data=profiles.ProfileInput("Hajj Omar", bio="Hi"))
    db.session.commit()
    (change,) = profiles.changes(member)
    assert change.by_member and change.fields == ["bio"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "profile.update"))
    assert event.on_behalf_of_id is None
