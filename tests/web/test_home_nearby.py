"""The member home shows up to four recent open offers and requests of other members:
the member's neighbourhood first, then the rest of the community; an empty state says
what to do next; the page's queries do not grow with the listings (issue 16)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.listing_factories import make_listing
from tests.web.ledger_helpers import login
from tests.web.test_listing_place_duration import town_with_places
from tests.web.test_listings_queries import counting
from timebank.extensions import db
from timebank.services.listings import listings, showcase

START = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def town(app):
    return town_with_places()


def _post(owner, title, hours, place=None, **kwargs):
    return make_listing(owner, title=title, neighbourhood_id=place.id if place else None,
                        now=START + timedelta(hours=hours), **kwargs)  # fmt: skip


def test_the_members_neighbourhood_comes_first_then_the_newest_elsewhere(town):
    _post(town.omar, "Old harbour offer", 1, town.harbour)
    _post(town.grace, "Newest elsewhere", 9, town.old_town)
    _post(town.grace, "Second elsewhere", 8)
    _post(town.omar, "Third elsewhere", 7, town.old_town, kind="request")
    _post(town.omar, "Fourth elsewhere", 6)
    _post(town.salma, "Her own", 10, town.harbour)  # never her own
    paused = _post(town.grace, "Paused harbour", 11, town.harbour)
    listings.pause(paused, actor=town.grace.user)
    db.session.commit()
    found = showcase.near_member(town.salma, now=START + timedelta(days=1))
    assert [(i.title, i.near) for i in found.items] == [
        ("Old harbour offer", True), ("Newest elsewhere", False),
        ("Second elsewhere", False), ("Third elsewhere", False),
    ]  # fmt: skip
    assert found.neighbourhood_id == town.harbour.id
    # Without a neighbourhood: simply the newest of others.
    omar = showcase.near_member(town.omar, now=START + timedelta(days=1))
    assert [i.title for i in omar.items] == ["Her own", "Newest elsewhere", "Second elsewhere"]
    assert omar.neighbourhood_id is None and not any(i.near for i in omar.items)


@pytest.mark.parametrize(
    ("locale", "words"),
    [("en", ["Recent offers and requests", "Near you", "Harbour", "1 h 30 min",
             "From your neighbourhood first"]),
     ("ar", ["أحدث العروض والطلبات", "بالقرب منك", "حي الميناء", "١ س ٣٠ د"])],
)  # fmt: skip
def test_the_member_home_shows_compact_cards_and_a_link_to_browse(auth, town, locale, words):
    town.salma.user.locale = locale
    db.session.commit()
    make_listing(town.omar, title="Soup on Fridays", neighbourhood_id=town.harbour.id,
                 duration_minutes=90)  # fmt: skip
    login(auth, town.salma)
    page = auth.client.get(town.url("")).get_data(as_text=True)
    section = page.split('class="nearby-listings"')[1].split("</section>")[0]
    assert "Soup on Fridays" in section and town.url("listings/") in section
    for word in words:
        assert word in section, word


def test_an_empty_home_says_what_to_do_next(auth, town):
    login(auth, town.salma)
    page = auth.client.get(town.url("")).get_data(as_text=True)
    section = page.split('class="nearby-listings"')[1].split("</section>")[0]
    assert "No one else has posted an offer or a request yet." in section
    assert town.url("listings/new") in section
    login(auth, town.omar)  # no neighbourhood on his profile: the hint says where to set it
    make_listing(town.grace, title="Sewing help")
    page = auth.client.get(town.url("")).get_data(as_text=True)
    assert "Choose your neighbourhood on your profile" in page


@pytest.mark.parametrize("app_config", [{"NAVIGATION_CACHE_SECONDS": 0}])
def test_the_home_costs_the_same_queries_with_2_or_30_listings(auth, town, app_config):
    login(auth, town.salma)
    home = town.url("")

    def count() -> int:
        auth.client.get(home)
        with counting() as statements:
            assert auth.client.get(home).status_code == 200
        return len(statements)

    for n in range(2):
        _post(town.omar, f"Offer {n}", n, town.harbour if n % 2 else town.old_town)
    small = count()
    for n in range(28):
        _post(town.grace, f"More {n}", n, town.harbour if n % 3 else None)
    assert count() == small
