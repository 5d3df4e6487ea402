"""The category tree: seeding, adding, renaming, merging and retiring."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import make_community, make_member
from tests.listing_factories import category, make_listing
from timebank.extensions import db
from timebank.models import AuditEvent, Category, Listing, Role
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.listings import categories, search
from timebank.services.listings.categories import DEFAULT_CATEGORIES
from timebank.services.listings.search import Filters

pytestmark = pytest.mark.usefixtures("app")


def _coordinator(community):
    return make_member(community, role=Role.COORDINATOR).user


def test_new_community_gets_the_default_tree_in_both_languages():
    """Every new community starts with the fifteen default categories, named twice."""
    community = make_community()
    tree = categories.tree(community)
    assert [c.key for c in tree] == [key for key, _, _ in DEFAULT_CATEGORIES]
    assert len(tree) == 15
    assert all(c.name_en and c.name_ar for c in tree)
    assert category(community, "companionship").name_ar == "الرفقة والمؤانسة"


def test_coordinator_adds_a_sub_category_with_a_stable_unique_key():
    """Keys come from the English name, stay unique, and survive renaming."""
    community = make_community()
    coordinator = _coordinator(community)
    parent = category(community, "companionship")
    visits = categories.create(
        community,
        actor=coordinator,
        name_en="Home visits",
        name_ar="زيارات منزلية",
        parent_id=parent.id,
    )
    again = categories.create(
        community, actor=coordinator, name_en="Home visits!", name_ar="زيارات", parent_id=None
    )
    assert (visits.key, again.key) == ("home-visits", "home-visits-2")
    categories.rename(visits, actor=coordinator, name_en="Visits at home", name_ar="زيارات")
    db.session.commit()
    assert visits.key == "home-visits" and visits.name_en == "Visits at home"
    keys = [c.key for c in categories.tree(community)]
    assert keys.index("home-visits") == keys.index("companionship") + 1


def test_bad_category_input_is_refused():
    """Empty or long names, a sub-category's sub-category, and members are refused."""
    community = make_community()
    coordinator = _coordinator(community)
    member = make_member(community).user
    child = categories.create(
        community,
        actor=coordinator,
        name_en="Calls",
        name_ar="مكالمات",
        parent_id=category(community, "companionship").id,
    )
    for kwargs, field in (
        ({"name_en": ""}, "name_en"),
        ({"name_ar": "x" * 81}, "name_ar"),
        ({"parent_id": child.id}, "parent_id"),
    ):
        values = {"name_en": "Ok", "name_ar": "نعم", "parent_id": None, **kwargs}
        with pytest.raises(InvalidInput) as caught:
            categories.create(community, actor=coordinator, **values)
        assert caught.value.field == field
    with pytest.raises(NotAllowed):
        categories.create(community, actor=member, name_en="A", name_ar="ب", parent_id=None)


def test_rename_refreshes_the_search_index():
    """After renaming, listings are found by the new name and not the old one."""
    community = make_community()
    coordinator = _coordinator(community)
    make_listing(make_member(community), title="Saturday", key="arts")
    categories.rename(
        category(community, "arts"), actor=coordinator, name_en="Handicrafts", name_ar="حرف"
    )
    db.session.commit()
    assert search.listings(community, Filters(q="handicrafts")).total == 1
    assert search.listings(community, Filters(q="arts")).total == 0


def test_merge_moves_listings_and_retires_the_source():
    """Merging moves every listing, re-parents sub-categories, retires the source."""
    community = make_community()
    coordinator = _coordinator(community)
    owner = make_member(community)
    arts, other = category(community, "arts"), category(community, "other")
    child = categories.create(
        community, actor=coordinator, name_en="Pottery", name_ar="فخار", parent_id=arts.id
    )
    first = make_listing(owner, key="arts")
    second = make_listing(owner, key="arts")
    categories.merge(arts, other, actor=coordinator)
    db.session.commit()
    assert {db.session.get(Listing, i).category_id for i in (first.id, second.id)} == {other.id}
    arts = db.session.get(Category, arts.id)
    assert arts.is_retired and arts.merged_into_id == other.id
    assert db.session.get(Category, child.id).parent_id == other.id
    assert search.listings(community, Filters(q="other")).total == 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "category.merge"))
    assert event.details == {"into": other.id, "listings": 2}


def test_merge_refuses_itself_retired_targets_and_other_communities():
    """A category cannot merge into itself, a retired one, or another community's."""
    community, elsewhere = make_community(), make_community()
    coordinator = _coordinator(community)
    arts, other = category(community, "arts"), category(community, "other")
    categories.retire(other, actor=coordinator)
    for target in (arts, other, category(elsewhere, "cooking")):
        with pytest.raises(InvalidInput):
            categories.merge(arts, target, actor=coordinator)
    assert not arts.is_retired


def test_retire_keeps_old_records_and_refuses_parents_with_active_children():
    """Retiring leaves listings in place; a parent with live children must wait."""
    community = make_community()
    coordinator = _coordinator(community)
    listing = make_listing(make_member(community), key="health")
    health = category(community, "health")
    child = categories.create(
        community, actor=coordinator, name_en="Yoga", name_ar="يوغا", parent_id=health.id
    )
    with pytest.raises(InvalidInput):
        categories.retire(health, actor=coordinator)
    categories.retire(child, actor=coordinator)
    categories.retire(health, actor=coordinator)
    db.session.commit()
    assert db.session.get(Listing, listing.id).category_id == health.id
    assert health.id not in {c.id for c in categories.tree(community)}
    assert health.id in {c.id for c in categories.tree(community, include_retired=True)}
    retired = db.session.scalar(select(func.count()).where(AuditEvent.action == "category.retire"))
    assert retired == 2
