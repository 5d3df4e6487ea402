"""Text in the other language carries its ``lang`` (WCAG 3.1.2), so a screen reader reads
an English listing title on an Arabic page with an English voice; statuses are words in
the reader's language, not internal keys."""

from __future__ import annotations

from tests.factories import PASSWORD, World
from tests.listing_factories import make_listing
from timebank.extensions import db


def _arabic(world: World, auth, user) -> None:
    user.locale = "ar"
    db.session.commit()
    assert auth.login(user.email, PASSWORD).status_code == 302


def test_a_listing_title_is_marked_with_its_language(app, auth):
    world = World()
    english = make_listing(world.member_membership, title="Lift to the clinic", language="en")
    arabic = make_listing(world.member_membership, title="توصيل إلى العيادة", language="ar")
    _arabic(world, auth, world.coordinator)  # another member reads them
    slug = world.community.slug
    detail = auth.client.get(f"/c/{slug}/listings/{english.id}").get_data(as_text=True)
    assert '<h1 lang="en" dir="auto">Lift to the clinic</h1>' in detail
    close = auth.client.get(f"/c/{slug}/listings/{english.id}/close").get_data(as_text=True)
    assert '<bdi lang="en" dir="auto">Lift to the clinic</bdi>' in close
    other = auth.client.get(f"/c/{slug}/listings/{arabic.id}").get_data(as_text=True)
    assert '<h1 lang="ar" dir="auto">توصيل إلى العيادة</h1>' in other


def test_the_console_names_statuses_and_outcomes_in_the_readers_language(app, auth):
    world = World()
    _arabic(world, auth, world.coordinator)
    slug = world.community.slug
    members = auth.client.get(f"/c/{slug}/coordinator/members/").get_data(as_text=True)
    assert "نشط" in members and ">active<" not in members
    audit = auth.client.get(f"/c/{slug}/coordinator/audit/").get_data(as_text=True)
    assert 'data-label="' in audit and ">ok<" not in audit
