"""The console's list of neighbourhoods through the browser's forms, and members picking
from it on their profile: add, rename, retire after a confirmation, offer again; bad input
gets its message and changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_community, make_member
from tests.neighbourhood_factories import make_neighbourhood
from timebank.extensions import db
from timebank.models import AuditEvent, Neighbourhood, Profile, Role
from timebank.services.community import profiles
from timebank.services.metrics import lookups
from timebank.services.reports import tables


@pytest.fixture
def town(app):
    community = make_community()
    coordinator = make_member(community, role=Role.COORDINATOR, name="Sami Coordinator")
    member = make_member(community, name="Salma Khoury")
    db.session.commit()
    return community, coordinator, member


def _login(auth, membership) -> None:
    assert auth.login(membership.user.email, PASSWORD).status_code == 302


def _entries(community) -> list[tuple[str, str, bool]]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(Neighbourhood).where(Neighbourhood.community_id == community.id)
    )
    return sorted((n.name_en, n.name_ar, n.active) for n in rows)


def _audits(action: str) -> int:
    return db.session.scalar(select(func.count()).where(AuditEvent.action == action))


def test_an_empty_list_says_what_to_do(town, auth):
    """A community without neighbourhoods sees an explanation, not an empty table."""
    community, coordinator, _member = town
    _login(auth, coordinator)
    page = auth.client.get(f"/c/{community.slug}/coordinator/neighbourhoods/")
    assert page.status_code == 200
    assert "The list is empty" in page.get_data(as_text=True)


def test_coordinator_adds_renames_retires_and_restores(town, auth):
    """The whole round, each step audited once."""
    community, coordinator, _member = town
    _login(auth, coordinator)
    url = f"/c/{community.slug}/coordinator/neighbourhoods/"
    response = auth.post(url, {"name_en": " Old  Town ", "name_ar": "البلدة القديمة"}, page=url)
    assert response.status_code == 302
    assert _entries(community) == [("Old Town", "البلدة القديمة", True)]
    entry = db.session.scalar(select(Neighbourhood))
    base = f"{url}{entry.id}"

    response = auth.post(f"{base}/edit", {"name_en": "Old City", "name_ar": "المدينة القديمة"},
                         page=f"{base}/edit")  # fmt: skip
    assert response.status_code == 302
    assert _entries(community) == [("Old City", "المدينة القديمة", True)]

    confirm = auth.client.get(f"{base}/retire").get_data(as_text=True)
    assert "Retire “" in confirm and "Nobody else can choose it" in confirm
    assert _entries(community)[0][2] is True, "looking at the confirmation retires nothing"
    assert auth.post(f"{base}/retire", page=f"{base}/retire").status_code == 302
    assert _entries(community) == [("Old City", "المدينة القديمة", False)]
    assert "Retired" in auth.client.get(url).get_data(as_text=True)

    assert auth.post(f"{base}/restore", page=url).status_code == 302
    assert _entries(community) == [("Old City", "المدينة القديمة", True)]
    assert [_audits(f"neighbourhood.{a}") for a in ("create", "rename", "retire", "restore")] == [
        1, 1, 1, 1,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name_en", "name_ar", "message"),
    [
        ("", "حي", "Enter a name."),
        ("Harbour", "   ", "Enter a name."),
        ("x" * 81, "حي", "80 characters"),
        ("old town", "حي آخر", "The list already has a neighbourhood with this name."),
        ("Elsewhere", "البلدة  القديمة", "The list already has a neighbourhood with this name."),
        ("Bad\x07name", "حي", None),
    ],
)
def test_bad_names_are_refused_and_change_nothing(town, auth, name_en, name_ar, message):
    """Empty, over-long, control characters or a name already listed (in either
    language, whatever the case and spacing): a message, a 400, nothing saved."""
    community, coordinator, _member = town
    make_neighbourhood(community, coordinator.user)
    before = _entries(community)
    _login(auth, coordinator)
    url = f"/c/{community.slug}/coordinator/neighbourhoods/"
    response = auth.post(url, {"name_en": name_en, "name_ar": name_ar}, page=url)
    assert response.status_code == 400
    if message:
        assert message in response.get_data(as_text=True)
    assert _entries(community) == before
    assert _audits("neighbourhood.create") == 1


def test_renaming_to_another_entrys_name_is_refused(town, auth):
    community, coordinator, _member = town
    make_neighbourhood(community, coordinator.user)
    harbour = make_neighbourhood(community, coordinator.user, "Harbour", "حي الميناء")
    _login(auth, coordinator)
    url = f"/c/{community.slug}/coordinator/neighbourhoods/{harbour.id}/edit"
    response = auth.post(url, {"name_en": "OLD TOWN", "name_ar": "حي الميناء"}, page=url)
    assert response.status_code == 400
    assert "already has a neighbourhood" in response.get_data(as_text=True)
    assert ("Harbour", "حي الميناء", True) in _entries(community)


def test_another_communitys_entry_is_not_found(town, auth):
    """An id of another community's list answers 404 on every action."""
    community, coordinator, _member = town
    other = make_community(slug="elsewhere")
    other_coordinator = make_member(other, role=Role.COORDINATOR)
    foreign = make_neighbourhood(other, other_coordinator.user)
    _login(auth, coordinator)
    base = f"/c/{community.slug}/coordinator/neighbourhoods/{foreign.id}"
    assert auth.client.get(f"{base}/edit").status_code == 404
    assert auth.post(f"{base}/retire", page=f"/c/{community.slug}/").status_code == 404
    assert _entries(other) == [("Old Town", "البلدة القديمة", True)]


def test_the_list_pages(town, auth, app):
    """More entries than a page holds: the second page has the rest."""
    community, coordinator, _member = town
    app.config["PER_PAGE"] = 3
    for n in range(5):
        make_neighbourhood(community, coordinator.user, f"Quarter {n}", f"حي {n}")
    _login(auth, coordinator)
    url = f"/c/{community.slug}/coordinator/neighbourhoods/"
    first, second = (auth.client.get(url + q).get_data(as_text=True) for q in ("", "?page=2"))
    assert "Quarter 0" in first and "Quarter 4" not in first
    assert "Quarter 4" in second and "Quarter 0" not in second


def _profile_form(**changes) -> dict:
    data = {"display_name": "Salma Khoury", "languages": ["ar"], "shown": ["neighbourhood"]}
    data.update(changes)
    return data


def _profile(member) -> Profile:
    db.session.expire_all()
    return db.session.scalar(select(Profile).where(Profile.membership_id == member.id))


def test_member_picks_from_the_list_or_says_it_is_not_listed(town, auth):
    """The select offers active entries; "not listed" needs words, which coordinators
    then see as a suggestion; a retired entry is not offered to a new member."""
    community, coordinator, member = town
    old_town = make_neighbourhood(community, coordinator.user)
    retired = make_neighbourhood(community, coordinator.user, "Hillside", "حي التلة")
    retired.active = False
    db.session.commit()
    _login(auth, member)
    url = f"/c/{community.slug}/profile/edit"
    page = auth.client.get(url).get_data(as_text=True)
    assert f'value="{old_town.id}"' in page and f'value="{retired.id}"' not in page

    response = auth.post(url, _profile_form(neighbourhood_id=str(old_town.id)), page=url)
    assert response.status_code == 302
    assert (_profile(member).neighbourhood_id, _profile(member).neighbourhood) == (
        old_town.id,
        None,
    )

    response = auth.post(url, _profile_form(neighbourhood_id="other"), page=url)
    assert response.status_code == 200
    assert "Write where you live" in response.get_data(as_text=True)
    assert _profile(member).neighbourhood_id == old_town.id, "nothing changed"

    for bad in (str(retired.id), "999999", "abc"):
        response = auth.post(url, _profile_form(neighbourhood_id=bad), page=url)
        assert "Choose a neighbourhood from the list." in response.get_data(as_text=True), bad
        assert _profile(member).neighbourhood_id == old_town.id, bad

    response = auth.post(
        url, _profile_form(neighbourhood_id="other", neighbourhood="Fishermen's Row"), page=url
    )
    assert response.status_code == 302
    assert (_profile(member).neighbourhood_id, _profile(member).neighbourhood) == (
        None, "Fishermen's Row",
    )  # fmt: skip
    auth.logout()
    _login(auth, coordinator)
    listed = auth.client.get(f"/c/{community.slug}/coordinator/neighbourhoods/")
    assert "Fishermen&#39;s Row" in listed.get_data(as_text=True)


def _save(member, data: profiles.ProfileInput) -> None:
    profiles.update(member, actor=member.user, data=data)
    db.session.commit()


def test_words_that_name_an_entry_are_that_entry(town):
    """Typed "old town" (any case, either language) links the member to "Old Town"."""
    community, coordinator, member = town
    entry = make_neighbourhood(community, coordinator.user)
    _save(member, profiles.ProfileInput("Salma Khoury", neighbourhood="  البلدة القديمة "))
    db.session.commit()
    assert (_profile(member).neighbourhood_id, _profile(member).neighbourhood) == (entry.id, None)


def test_a_member_keeps_a_retired_entry_when_saving(town, auth):
    """Retiring does not move anyone: the member's own entry stays selectable for them."""
    community, coordinator, member = town
    entry = make_neighbourhood(community, coordinator.user)
    _save(member, profiles.ProfileInput("Salma Khoury", neighbourhood_id=entry.id))
    entry.active = False
    db.session.commit()
    _login(auth, member)
    url = f"/c/{community.slug}/profile/edit"
    page = auth.client.get(url).get_data(as_text=True)
    assert re.search(rf'<option (selected )?value="{entry.id}"( selected)?>', page)
    assert "selected" in re.search(rf'<option [^>]*value="{entry.id}"[^>]*>', page).group(0)
    response = auth.post(url, _profile_form(neighbourhood_id=str(entry.id), bio="Hi"), page=url)
    assert response.status_code == 302
    assert _profile(member).neighbourhood_id == entry.id


def test_directory_filters_by_the_list_in_the_readers_language(town, auth):
    community, coordinator, member = town
    entry = make_neighbourhood(community, coordinator.user)
    _save(member, profiles.ProfileInput("Salma Khoury", neighbourhood_id=entry.id))
    db.session.commit()
    _login(auth, coordinator)
    page = auth.client.get(f"/c/{community.slug}/people/?neighbourhood={entry.id}")
    text = page.get_data(as_text=True)
    assert "Salma Khoury" in text and "Sami Coordinator" not in text
    assert f'<option value="{entry.id}" selected>Old Town</option>' in text
    auth.client.post("/language", data={"lang": "ar", "csrf_token": auth.token()})
    arabic = auth.client.get(f"/c/{community.slug}/people/").get_data(as_text=True)
    assert "البلدة القديمة" in arabic


def test_figures_group_members_by_the_list_in_the_readers_language(town):
    """Two spellings of one place are one neighbourhood in the figures, named from the
    list; a place not listed keeps the member's words."""
    community, coordinator, member = town
    entry = make_neighbourhood(community, coordinator.user)
    neighbour = make_member(community, name="Omar Farouk")
    elsewhere = make_member(community, name="Grace Miller")
    _save(member, profiles.ProfileInput("Salma Khoury", neighbourhood="OLD town"))
    _save(neighbour, profiles.ProfileInput("Omar Farouk", neighbourhood_id=entry.id))
    _save(elsewhere, profiles.ProfileInput("Grace Miller", neighbourhood=" Fishermen's  Row"))
    places = lookups.neighbourhoods(community.id)
    assert places[member.id] == places[neighbour.id] == lookups.place_key(entry.id)
    arabic = lookups.neighbourhood_names(community.id, "ar")
    assert tables.place_label(places[member.id], arabic) == "البلدة القديمة"
    assert tables.place_label(places[elsewhere.id], arabic) == "Fishermen's Row"
