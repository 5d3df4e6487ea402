"""The browse, search and directory pages issue the same number of SQL queries for 5
listings (or members) as for 60."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.factories import PASSWORD, make_community, make_member
from tests.listing_factories import make_listing
from timebank.extensions import db
from timebank.services.community import profiles

PAGES = [
    "/listings/",
    "/listings/?q=garden",
    "/listings/?q=حديقة&kind=offer&language=ar",
    "/listings/?category=1&neighbourhood=Harbour",
    "/listings/?q=garden&page=2",
    "/listings/mine",
    "/people/",
    "/people/?q=gardener",
    "/people/?language=ar&kind=offer",
]


@pytest.fixture
def app_config() -> dict:
    """Small pages, so that page 2 exists with 5 listings as with 60."""
    return {"PER_PAGE": 2}


@contextmanager
def counting():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _grow(community, members, target: int) -> None:
    while len(members) < target:
        n = len(members)
        member = make_member(community, name=f"Gardener {n}")
        profiles.update(
            member,
            actor=member.user,
            data=profiles.ProfileInput(
                display_name=f"Gardener {n}",
                languages=("ar",),
                neighbourhood="Harbour",
                skills="garden work",
            ),
        )
        db.session.commit()
        members.append(member)
        make_listing(member, title=f"Garden help {n}", neighbourhood="Harbour", key="gardening")
        make_listing(member, title=f"حديقة {n}", language="ar", key="gardening")


def _counts(client, community) -> dict[str, int]:
    result = {}
    for path in PAGES:
        url = f"/c/{community.slug}{path}"
        client.get(url)  # warm caches (e.g. the reflected FTS table) before counting
        with counting() as statements:
            assert client.get(url).status_code == 200, url
        result[path] = len(statements)
    return result


def test_query_counts_do_not_grow_with_listings(auth, client):
    """5 and 60 listings (and members) cost the same queries on every list page."""
    community = make_community()
    me = make_member(community, email="me@example.org")
    members = [me]
    _grow(community, members, 3)
    for n in range(5):
        make_listing(me, title=f"Mine {n}")
    auth.login("me@example.org", PASSWORD)
    small = _counts(client, community)
    _grow(community, members, 30)
    for n in range(55):
        make_listing(me, title=f"Mine {n}")
    large = _counts(client, community)
    assert small == large
    assert max(large.values()) <= 12, large
