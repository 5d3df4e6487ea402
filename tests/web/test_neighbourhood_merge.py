"""Merging duplicate neighbourhoods in the console (issue 16): choose the entry to keep,
a confirmation that says how many members move, then the members are re-pointed, the
duplicate is retired and the merge audited. Bad input changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_community, make_member
from tests.listing_factories import make_listing
from tests.neighbourhood_factories import make_neighbourhood
from timebank.extensions import db
from timebank.models import AuditEvent, Listing, MembershipStatus, Neighbourhood, Profile, Role
from timebank.services.community import profiles
from timebank.services.listings import listings, search


@pytest.fixture
def town(app, auth):
    community = make_community()
    coordinator = make_member(community, role=Role.COORDINATOR, name="Sami Coordinator")
    harbour = make_neighbourhood(community, coordinator.user, "Harbour", "الميناء")
    duplicate = make_neighbourhood(community, coordinator.user, "Port quarter", "حي الميناء")
    people = [make_member(community, name=n) for n in ("Salma Khoury", "Omar Farouk", "Li Wei")]
    for member, name, entry in zip(
        people, ("Salma Khoury", "Omar Farouk", "Li Wei"), (duplicate, duplicate, harbour)
    ):
        data = profiles.ProfileInput(name, neighbourhood_id=entry.id)
        profiles.update(member, actor=member.user, data=data)
    db.session.commit()
    assert auth.login(coordinator.user.email, PASSWORD).status_code == 302
    return community, coordinator, harbour, duplicate, people


def _where(people) -> list[int | None]:
    db.session.expire_all()
    return [
        db.session.scalar(select(Profile.neighbourhood_id).where(Profile.membership_id == m.id))
        for m in people
    ]


def _merges() -> int:
    return db.session.scalar(select(func.count()).where(AuditEvent.action == "neighbourhood.merge"))


def _url(community, entry) -> str:
    return f"/c/{community.slug}/coordinator/neighbourhoods/{entry.id}/merge"


def test_merge_after_a_confirmation_moves_members_and_retires_the_duplicate(town, auth):
    community, _coordinator, harbour, duplicate, people = town
    url = _url(community, duplicate)
    listing = auth.client.get(f"/c/{community.slug}/coordinator/neighbourhoods/")
    assert url in listing.get_data(as_text=True)

    choose = auth.client.get(url).get_data(as_text=True)
    assert f'value="{harbour.id}"' in choose and f'value="{duplicate.id}"' not in choose

    confirm = auth.post(url, {"into": str(harbour.id)}, page=url)
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "2 members move from" in text and "Harbour" in text
    assert _where(people) == [duplicate.id, duplicate.id, harbour.id], "nothing moved yet"
    assert _merges() == 0

    done = auth.post(url, {"into": str(harbour.id), "confirmed": "1"}, page=url)
    assert done.status_code == 302
    assert _where(people) == [harbour.id] * 3
    assert db.session.get(Neighbourhood, duplicate.id).active is False
    assert db.session.get(Neighbourhood, harbour.id).active is True
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "neighbourhood.merge"))
    assert event.object_id == duplicate.id
    assert event.details == {"into": harbour.id, "moved": 2, "listings": 0}
    flashed = auth.client.get(f"/c/{community.slug}/coordinator/neighbourhoods/")
    assert "2 members moved to" in flashed.get_data(as_text=True)


def test_listings_move_with_the_members_and_are_found_by_the_names_kept(town, auth):
    """A listing that named the duplicate names the entry kept (any status), is found
    by the kept entry's names, and the browse filter no longer offers the duplicate."""
    community, _coordinator, harbour, duplicate, people = town
    shown = make_listing(people[0], title="Bread baking", neighbourhood_id=duplicate.id)
    paused = make_listing(people[1], title="Bike repair", neighbourhood_id=duplicate.id)
    listings.pause(paused, actor=people[1].user)
    db.session.commit()
    url = _url(community, duplicate)
    confirm = auth.post(url, {"into": str(harbour.id)}, page=url).get_data(as_text=True)
    assert "2 offers and requests move with them." in confirm
    assert auth.post(url, {"into": str(harbour.id), "confirmed": "1"}, page=url).status_code == 302
    db.session.expire_all()
    assert [db.session.get(Listing, n.id).neighbourhood_id for n in (shown, paused)] == [
        harbour.id,
        harbour.id,
    ]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "neighbourhood.merge"))
    assert event.details["listings"] == 2
    found = search.listings(community, search.Filters(q="الميناء"))
    assert [c.id for c in found.items] == [shown.id]
    options = search.listing_neighbourhoods(community, "en")
    assert (str(duplicate.id), "Port quarter") not in options
    assert [
        c.id
        for c in search.listings(community, search.Filters(neighbourhood=str(harbour.id))).items
    ] == [shown.id]


def test_members_of_any_status_move(town, auth):
    """A suspended member's profile moves too, so no one is left on the retired entry."""
    community, _coordinator, harbour, duplicate, people = town
    people[0].status = MembershipStatus.SUSPENDED
    db.session.commit()
    url = _url(community, duplicate)
    auth.post(url, {"into": str(harbour.id), "confirmed": "1"}, page=url)
    assert _where(people) == [harbour.id] * 3


def test_the_confirmation_is_in_arabic(town, auth):
    community, _coordinator, harbour, duplicate, _people = town
    auth.client.post("/language", data={"lang": "ar", "csrf_token": auth.token()})
    url = _url(community, duplicate)
    text = auth.post(url, {"into": str(harbour.id)}, page=url).get_data(as_text=True)
    assert "سيُنقل عضوان من" in text and "«<bdi>حي الميناء</bdi>»" in text


@pytest.mark.parametrize("into", ["same", "foreign", "retired", "", "abc", "999999"])
def test_bad_choices_get_a_message_and_change_nothing(town, auth, into):
    community, coordinator, harbour, duplicate, people = town
    other = make_community(slug="elsewhere")
    foreign = make_neighbourhood(other, make_member(other, role=Role.COORDINATOR).user)
    retired = make_neighbourhood(community, coordinator.user, "Hillside", "التلة")
    retired.active = False
    db.session.commit()
    value = {"same": duplicate.id, "foreign": foreign.id, "retired": retired.id}.get(into, into)
    messages = {
        "same": "Choose another neighbourhood than this one.",
        "retired": "offer it again before merging",
        "": "Choose the neighbourhood to keep.",
        "abc": "Choose the neighbourhood to keep.",
    }
    url = _url(community, duplicate)
    for confirmed in ("", "1"):
        response = auth.post(url, {"into": str(value), "confirmed": confirmed}, page=url)
        assert response.status_code == 400, (into, confirmed)
        message = messages.get(into, "Choose a neighbourhood from the list.")
        assert message in response.get_data(as_text=True)
    assert _where(people) == [duplicate.id, duplicate.id, harbour.id]
    assert db.session.get(Neighbourhood, duplicate.id).active is True
    assert _merges() == 0


def test_another_communitys_entry_cannot_be_merged(town, auth):
    community, _coordinator, harbour, _duplicate, _people = town
    other = make_community(slug="elsewhere")
    foreign = make_neighbourhood(other, make_member(other, role=Role.COORDINATOR).user)
    url = f"/c/{community.slug}/coordinator/neighbourhoods/{foreign.id}/merge"
    response = auth.post(url, {"into": str(harbour.id), "confirmed": "1"}, page=url)
    assert response.status_code == 404
    assert db.session.get(Neighbourhood, foreign.id).active is True
    assert _merges() == 0
