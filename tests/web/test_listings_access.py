"""Route access for listings, profiles and categories: every route declares a decision;
anonymous visitors go to the login page; another community's members get 404; members
get 403 on coordinator pages and on other people's listings."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_community, make_member
from tests.listing_factories import category, make_listing
from timebank.access import ACCESS_ATTRIBUTE
from timebank.models import Role

BLUEPRINTS = ("listings", "profiles", "categories")


def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.split(".")[0] in BLUEPRINTS]


@pytest.fixture
def world(app):
    community = make_community()
    owner = make_member(community, email="owner@example.org")
    listing = make_listing(owner)
    return {
        "community": community,
        "owner": owner,
        "listing": listing,
        "member": make_member(community, email="member@example.org"),
        "coordinator": make_member(community, role=Role.COORDINATOR, email="coord@example.org"),
        "outsider": make_member(make_community(), email="outsider@example.org"),
        "category": category(community, "arts"),
    }


def _url(app, rule, world) -> str:
    values = {
        "slug": world["community"].slug,
        "listing_id": world["listing"].id,
        "membership_id": world["owner"].id,
        "category_id": world["category"].id,
    }
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})


def _open(browser, url, rule):
    """GET where a route has it; otherwise POST with a valid CSRF token, as a form would."""
    if "GET" in rule.methods:
        return browser.client.get(url)
    return browser.post(url, {}, page="/auth/login")


def test_every_new_route_declares_its_access(app):
    """Each listings/profiles/categories view carries an access decision."""
    rules = _rules(app)
    assert len(rules) >= 17
    for rule in rules:
        view = app.view_functions[rule.endpoint]
        level = getattr(view, ACCESS_ATTRIBUTE, None)
        assert level is not None and level.startswith("community:"), rule.endpoint


def test_anonymous_visitors_are_sent_to_log_in(app, browser, world):
    """Nobody sees community pages without logging in."""
    for rule in _rules(app):
        response = _open(browser, _url(app, rule, world), rule)
        assert response.status_code == 302, rule.endpoint
        assert "/auth/login" in response.headers["Location"], rule.endpoint


def test_members_of_another_community_get_404(app, auth, client, world):
    """A member of another time bank cannot tell these pages exist."""
    auth.login("outsider@example.org", PASSWORD)
    for rule in _rules(app):
        response = _open(auth, _url(app, rule, world), rule)
        assert response.status_code == 404, rule.endpoint


def test_members_cannot_manage_categories_or_others_listings(app, auth, client, world):
    """Category pages are for coordinators; a listing is managed by its owner."""
    auth.login("member@example.org", PASSWORD)
    listing_id = world["listing"].id
    for rule in _rules(app):
        url = _url(app, rule, world)
        response = _open(auth, url, rule)
        managed = rule.endpoint.startswith("categories.") or (
            rule.endpoint.startswith("listings.")
            and rule.endpoint
            not in ("listings.browse", "listings.mine", "listings.new", "listings.detail")
        )
        if managed:
            assert response.status_code == 403, rule.endpoint
        elif rule.endpoint == "profiles.edit_for":
            # Another member's profile is edited only by a coordinator or their proxy; to
            # anyone else the page does not exist (tests/web/test_profiles_on_behalf.py).
            assert response.status_code == 404, rule.endpoint
        else:
            assert response.status_code in (200, 302, 400), rule.endpoint
    assert client.get(f"/c/{world['community'].slug}/listings/{listing_id}").status_code == 200


def test_coordinators_reach_every_page(app, auth, client, world):
    """A coordinator can open every GET page of these areas."""
    auth.login("coord@example.org", PASSWORD)
    for rule in _rules(app):
        if "GET" in rule.methods:
            assert client.get(_url(app, rule, world)).status_code == 200, rule.endpoint


def test_listing_of_another_community_is_404(app, auth, client, world):
    """A listing id from another community answers 404 under this community's address."""
    elsewhere = make_listing(world["outsider"], title="Elsewhere")
    auth.login("member@example.org", PASSWORD)
    slug = world["community"].slug
    for path in ("", "/edit", "/close"):
        assert client.get(f"/c/{slug}/listings/{elsewhere.id}{path}").status_code == 404
    other_member = world["outsider"].id
    assert client.get(f"/c/{slug}/people/{other_member}").status_code == 404
