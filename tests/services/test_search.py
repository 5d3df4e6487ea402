"""Full-text search of listings and members, on the database's own text search."""

from __future__ import annotations

import pytest

from tests.factories import make_community, make_member
from tests.listing_factories import category, make_listing
from tests.neighbourhood_factories import make_neighbourhood
from timebank.extensions import db
from timebank.services.community import profiles
from timebank.services.listings import listings, search
from timebank.services.listings.search import Filters

pytestmark = pytest.mark.usefixtures("app")


def _titles(community, **filters):
    page = search.listings(community, Filters(**filters), per_page=50)
    return [listing.title for listing in page.items]


def test_arabic_search_ignores_diacritics_hamza_and_taa_marbuta():
    """Arabic words are found with or without tashkeel and in their variant spellings."""
    community = make_community()
    owner = make_member(community)
    make_listing(owner, title="دروس في المدرسة", language="ar")
    make_listing(owner, title="أحمد يساعد في الحديقة", language="ar")
    make_listing(owner, title="توصيل إلى المستشفى", language="ar")
    make_listing(owner, title="Gardening tips")
    assert _titles(community, q="مَدْرَسَة") == ["دروس في المدرسة"]
    assert _titles(community, q="المدرسه") == ["دروس في المدرسة"]
    assert _titles(community, q="احمد") == ["أحمد يساعد في الحديقة"]
    assert _titles(community, q="إحمد") == ["أحمد يساعد في الحديقة"]
    assert _titles(community, q="الحديقه") == ["أحمد يساعد في الحديقة"]
    assert _titles(community, q="مستشفي") == ["توصيل إلى المستشفى"]
    assert _titles(community, q="المستشفى") == ["توصيل إلى المستشفى"]
    assert _titles(community, q="٣") == []


def test_english_search_ignores_case_and_accents():
    """English words match whatever their case or accents, and by prefix."""
    community = make_community()
    owner = make_member(community)
    make_listing(owner, title="Café conversation club")
    make_listing(owner, title="Knitting lessons", description="Bring your own WOOL")
    assert _titles(community, q="CAFE") == ["Café conversation club"]
    assert _titles(community, q="café") == ["Café conversation club"]
    assert _titles(community, q="wool") == ["Knitting lessons"]
    assert _titles(community, q="knit") == ["Knitting lessons"]
    assert _titles(community, q="knitting wool") == ["Knitting lessons"]
    assert _titles(community, q="knitting cafe") == []


def test_category_names_in_both_languages_are_searchable():
    """Searching a category's name finds its listings in either language."""
    community = make_community()
    owner = make_member(community)
    make_listing(owner, title="Two hours on Saturday", key="gardening")
    assert _titles(community, q="gardening") == ["Two hours on Saturday"]
    assert _titles(community, q="البستنة") == ["Two hours on Saturday"]


def test_better_matches_rank_first():
    """A word in the title outranks the same word in the description."""
    community = make_community()
    owner = make_member(community)
    make_listing(owner, title="Help at home", description="Some shopping and some cooking")
    make_listing(owner, title="Cooking together", description="Cooking for the week")
    make_listing(owner, title="Unrelated", description="Nothing to see")
    assert _titles(community, q="cooking") == ["Cooking together", "Help at home"]


def test_search_results_are_paginated():
    """Results come in pages; the total counts every match."""
    community = make_community()
    owner = make_member(community)
    for n in range(7):
        make_listing(owner, title=f"Sewing class {n}")
    make_listing(owner, title="Other thing")
    first = search.listings(community, Filters(q="sewing"), page=1, per_page=3)
    last = search.listings(community, Filters(q="sewing"), page=3, per_page=3)
    assert first.total == 7 and first.pages == 3 and len(first.items) == 3
    assert len(last.items) == 1 and not last.has_next and last.has_prev
    seen = {
        item.id
        for p in (1, 2, 3)
        for item in search.listings(community, Filters(q="sewing"), page=p, per_page=3).items
    }
    assert len(seen) == 7


def test_browse_filters_by_type_category_neighbourhood_and_language():
    """Each filter narrows the list; they combine."""
    community = make_community()
    owner = make_member(community)
    make_listing(owner, title="A", kind="offer", key="gardening", neighbourhood="Harbour")
    make_listing(owner, title="B", kind="request", key="gardening", language="ar")
    make_listing(owner, title="C", kind="request", key="cooking", neighbourhood="Harbour")
    gardening = category(community, "gardening").id
    assert sorted(_titles(community, kind="request")) == ["B", "C"]
    assert sorted(_titles(community, category_id=gardening)) == ["A", "B"]
    assert sorted(_titles(community, neighbourhood="Harbour")) == ["A", "C"]
    assert _titles(community, language="ar") == ["B"]
    assert _titles(community, kind="request", neighbourhood="Harbour") == ["C"]
    assert search.listing_neighbourhoods(community, "en") == []


def test_the_neighbourhood_filter_offers_each_place_once_in_the_readers_language():
    """Listings written "Harbour" and "حي الميناء" name one entry: the filter offers it
    once, by id, named in the reader's language; by id or either name it finds both."""
    community = make_community()
    coordinator = make_member(community, role="coordinator")
    harbour = make_neighbourhood(community, coordinator.user, "Harbour", "حي الميناء")
    make_neighbourhood(community, coordinator.user, "Old Town", "البلدة القديمة")
    owner = make_member(community)
    make_listing(owner, title="A", neighbourhood="Harbour")
    make_listing(owner, title="B", neighbourhood=" حي  الميناء ")
    make_listing(owner, title="C", neighbourhood="old town")
    assert (str(harbour.id), "حي الميناء") in search.listing_neighbourhoods(community, "ar")
    assert [name for _v, name in search.listing_neighbourhoods(community, "en")] == [
        "Harbour",
        "Old Town",
    ]
    for wanted in (str(harbour.id), "harbour", "حي الميناء"):
        assert sorted(_titles(community, neighbourhood=wanted)) == ["A", "B"], wanted


def test_only_active_unexpired_listings_of_this_community_are_browsed():
    """Paused, closed and expired listings, and other communities', are not shown."""
    community, other = make_community(), make_community()
    owner = make_member(community)
    paused = make_listing(owner, title="Paused one")
    closed = make_listing(owner, title="Closed one")
    make_listing(owner, title="Shown one")
    make_listing(make_member(other), title="Elsewhere one")
    listings.pause(paused, actor=owner.user)
    listings.close(closed, actor=owner.user)
    db.session.commit()
    assert _titles(community, q="one") == ["Shown one"]
    assert _titles(community) == ["Shown one"]


def test_member_search_sees_only_what_members_show():
    """The directory finds names and shown skills, never hidden ones."""
    community = make_community()
    shown = make_member(community, name="Salma Khoury")
    hidden = make_member(community, name="Omar Farouk")
    for membership, shown_parts in ((shown, {"skills", "languages"}), (hidden, set())):
        profiles.update(
            membership,
            actor=membership.user,
            data=profiles.ProfileInput(
                display_name=membership.user.display_name,
                skills="Plumbing and tiling",
                languages=("ar",),
                shown=frozenset(shown_parts),
            ),
        )
    db.session.commit()

    def names(**filters):
        page = search.members(community, Filters(**filters))
        return [membership.user.display_name for membership, _ in page.items]

    assert names(q="salma") == ["Salma Khoury"]
    assert names(q="plumbing") == ["Salma Khoury"]
    assert names(language="ar") == ["Salma Khoury"]
    assert names(q="farouk") == ["Omar Farouk"]
    assert sorted(names()) == ["Omar Farouk", "Salma Khoury"]


def test_members_can_be_browsed_by_their_listings():
    """Category and type find the members with such an active listing."""
    community = make_community()
    cook = make_member(community, name="Cook")
    make_member(community, name="Idle")
    make_listing(cook, title="Meals", key="cooking", kind="offer")
    cooking = category(community, "cooking").id
    page = search.members(community, Filters(category_id=cooking, kind="offer"))
    assert [m.user.display_name for m, _ in page.items] == ["Cook"]
    assert search.members(community, Filters(kind="request")).total == 0


def test_listings_of_suspended_members_are_not_browsed():
    """When a member is suspended their listings disappear from browse and search."""
    from timebank.models import MembershipStatus

    community = make_community()
    owner = make_member(community)
    make_listing(owner, title="Bread baking")
    owner.status = MembershipStatus.SUSPENDED
    db.session.commit()
    assert _titles(community) == [] and _titles(community, q="bread") == []


def test_counting_stops_at_the_cap_and_says_so(monkeypatch):
    """Past RESULT_CAP matches the total is a bound (``capped``), the newest are ranked and
    only the capped number can be paged through."""
    monkeypatch.setattr(search, "RESULT_CAP", 4)
    community = make_community()
    owner = make_member(community)
    made = [make_listing(owner, title=f"Sewing class {n}") for n in range(6)]
    found = search.listings(community, Filters(q="sewing"), per_page=3)
    assert found.total == 4 and found.capped and found.pages == 2
    ranked = {
        item.id
        for p in (1, 2, 5)
        for item in search.listings(community, Filters(q="sewing"), page=p, per_page=3).items
    }
    assert ranked == {listing.id for listing in made[2:]}  # the four newest
    browsed = search.listings(community, Filters(), per_page=3)
    assert browsed.total == 4 and browsed.capped
    narrowed = search.listings(community, Filters(q="sewing 1"), per_page=3)
    assert narrowed.total == 1 and not narrowed.capped
    assert [item.title for item in narrowed.items] == ["Sewing class 1"]
