"""A listing's neighbourhood is picked from the community's list (the member's own
first) and it may say how long the help takes: both on the form, the card and the
detail page, in the reader's language; bad durations are refused next to the field with
the input kept (issue 16)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.listing_factories import category, make_listing
from tests.neighbourhood_factories import make_neighbourhood
from tests.web.ledger_helpers import login, make_town
from timebank.extensions import db
from timebank.models import Listing
from timebank.services.community import profiles


def town_with_places():
    """A town with two neighbourhoods on its list; Salma lives in the Harbour."""
    town = make_town()
    coordinator = town.coordinator.user
    town.harbour = make_neighbourhood(town.community, coordinator, "Harbour", "حي الميناء")
    town.old_town = make_neighbourhood(town.community, coordinator, "Old Town", "البلدة القديمة")
    profiles.update(
        town.salma,
        actor=town.salma.user,
        data=profiles.ProfileInput("Salma Khoury", neighbourhood_id=town.harbour.id),
    )
    db.session.commit()
    return town


@pytest.fixture
def town(app):
    return town_with_places()


def _form(town, **overrides) -> dict:
    return {
        "kind": "offer",
        "title": "Soup for a neighbour",
        "description": "",
        "category_id": str(category(town.community, "cooking").id),
        "neighbourhood_id": str(town.harbour.id),
        "hours": "1",
        "minutes": "30",
        "when_text": "",
        "language": "en",
        **overrides,
    }


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Listing))


def test_the_form_offers_the_list_with_the_members_own_neighbourhood_chosen(auth, town):
    town.salma.user.locale = "ar"
    db.session.commit()
    login(auth, town.salma)
    page = auth.client.get(town.url("listings/new")).get_data(as_text=True)
    assert f'<option selected value="{town.harbour.id}">حي الميناء</option>' in page
    assert f'value="{town.old_town.id}">البلدة القديمة</option>' in page
    assert "Harbour" not in page and 'name="hours"' in page and 'name="minutes"' in page
    assert "من ٥ د إلى ٢٤ س" in page  # the hint's durations in the reader's words and digits
    login(auth, town.omar)  # no neighbourhood on his profile: "not given"
    page = auth.client.get(town.url("listings/new")).get_data(as_text=True)
    assert '<option selected value="">' in page


@pytest.mark.parametrize(
    ("locale", "duration", "place"),
    [("en", "1 h 30 min", "Harbour"), ("ar", "١ س ٣٠ د", "حي الميناء")],
)
def test_a_posted_listing_shows_its_place_and_duration_to_readers(auth, town, locale, duration,
                                                                  place):  # fmt: skip
    login(auth, town.salma)
    new = town.url("listings/new")
    response = auth.post(new, _form(town), page=new)
    assert response.status_code == 302
    listing = db.session.scalar(select(Listing))
    assert (listing.neighbourhood_id, listing.duration_minutes) == (town.harbour.id, 90)
    town.omar.user.locale = locale
    db.session.commit()
    login(auth, town.omar)
    detail = auth.client.get(town.url(f"listings/{listing.id}")).get_data(as_text=True)
    browse = auth.client.get(town.url("listings/")).get_data(as_text=True)
    for page in (detail, browse):
        assert duration in page and place in page
    assert (
        auth.client.get(town.url(f"listings/?neighbourhood={town.old_town.id}"))
        .get_data(as_text=True)
        .count("listing-card")
        == 0
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"hours": "0", "minutes": "3"}, "Give at least 5 min, or leave it empty."),
        ({"hours": "25", "minutes": ""}, "Give at most 24 h."),
        ({"hours": "two", "minutes": ""}, "Write the duration as 1:30"),
        ({"hours": "1", "minutes": "75"}, "Minutes must be below 60."),
        ({"neighbourhood_id": "abc"}, "Choose a neighbourhood from the list."),
        ({"neighbourhood_id": "99999"}, "Choose a neighbourhood from the list."),
    ],
)
def test_bad_durations_and_places_are_refused_next_to_the_field_with_the_input_kept(
    auth, town, fields, message
):
    login(auth, town.salma)
    new = town.url("listings/new")
    response = auth.post(new, _form(town, title="Kept title", **fields), page=new)
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 400)
    assert message in page and 'class="field field-error"' in page
    assert 'value="Kept title"' in page
    if fields.get("hours"):
        assert f'value="{fields["hours"]}"' in page
    assert _count() == 0


def test_editing_keeps_a_retired_neighbourhood_and_shows_the_duration(auth, town):
    listing = make_listing(town.salma, neighbourhood_id=town.old_town.id, duration_minutes=45)
    town.old_town.active = False
    db.session.commit()
    login(auth, town.salma)
    edit = town.url(f"listings/{listing.id}/edit")
    page = auth.client.get(edit).get_data(as_text=True)
    assert f'<option selected value="{town.old_town.id}">Old Town</option>' in page
    assert 'name="minutes" type="text" value="45"' in page
    saved = auth.post(edit, _form(town, neighbourhood_id=str(town.old_town.id), hours="",
                                  minutes=""), page=edit)  # fmt: skip
    assert saved.status_code == 302
    db.session.expire_all()
    kept = db.session.get(Listing, listing.id)
    assert (kept.neighbourhood_id, kept.duration_minutes) == (town.old_town.id, None)
    # A retired entry cannot be chosen for another listing.
    new = town.url("listings/new")
    refused = auth.post(new, _form(town, neighbourhood_id=str(town.old_town.id)), page=new)
    assert "Choose a neighbourhood from the list." in refused.get_data(as_text=True)
    assert _count() == 1
