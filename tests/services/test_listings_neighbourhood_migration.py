"""Migration l_listings3_1: listings' free-text neighbourhoods name entries of the
community's list (those they match, in either language; one new entry per unmatched
place), the free text is cleared, search still works, and the downgrade gives listings
their place back as text (SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.services.test_neighbourhoods_migration import NOW, _community, _member
from timebank.extensions import db
from timebank.models import Community, Listing, Neighbourhood
from timebank.services.listings import search

BEFORE = "c_visits2_1"


def _entry(conn, community_id: int, en: str, ar: str) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO neighbourhoods (community_id, name_en, name_ar, active, created_at) "
            "VALUES (:c, :en, :ar, true, :now)"
        ),
        {"c": community_id, "en": en, "ar": ar, **NOW},
    )


def _listings(conn, community_id: int, places: list[str | None]) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO categories (community_id, key, name_en, name_ar, position, created_at) "
            "VALUES (:c, 'other', 'Other', 'أخرى', 1, :now)"
        ),
        {"c": community_id, **NOW},
    )
    for n, place in enumerate(places):
        conn.execute(
            sa.text(
                "INSERT INTO listings (community_id, owner_id, kind, title, description, "
                "category_id, neighbourhood, language, is_group, status, created_at, "
                "updated_at, expires_at, search_title, search_body) SELECT :c, m.id, 'offer', "
                ":title, '', k.id, :place, 'en', false, 'active', :now, :now, "
                "'2100-01-01 00:00:00', :search, :body FROM memberships m, categories k "
                "WHERE m.community_id = :c AND k.community_id = :c"
            ),
            {"c": community_id, "title": f"Help {n}", "place": place, "search": f"help {n}",
             "body": (place or "").lower(), **NOW},
        )  # fmt: skip


def _where(slug: str) -> list[tuple[str, str | None, str | None]]:
    """(title, entry's English name, free text) of the community's listings."""
    community = db.session.scalar(sa.select(Community).where(Community.slug == slug))
    rows = db.session.execute(
        sa.select(Listing.title, Neighbourhood.name_en, Listing.neighbourhood)
        .outerjoin(Neighbourhood, Neighbourhood.id == Listing.neighbourhood_id)
        .where(Listing.community_id == community.id)
        .order_by(Listing.id)
    ).all()
    return [tuple(r) for r in rows]


def test_listing_text_names_the_list_and_comes_back_on_downgrade(app):
    db.session.remove()
    downgrade(revision=BEFORE)
    with db.engine.begin() as conn:
        town = _community(conn, "town-bank", "en")
        hills = _community(conn, "hills-bank", "ar")
        _member(conn, town, 1, None)
        _member(conn, hills, 1, None)
        _entry(conn, town, "Harbour", "حي الميناء")
        _listings(conn, town, ["harbour", " حي  الميناء", "Mill Lane", "mill  lane ", "Mill lane",
                               "   ", None])  # fmt: skip
        _listings(conn, hills, ["Harbour"])
    upgrade()

    assert _where("town-bank") == [
        ("Help 0", "Harbour", None), ("Help 1", "Harbour", None),
        ("Help 2", "Mill Lane", None), ("Help 3", "Mill Lane", None),
        ("Help 4", "Mill Lane", None), ("Help 5", None, None), ("Help 6", None, None),
    ]  # fmt: skip
    # Lists are per community: the same words make an entry of the other community's.
    assert _where("hills-bank") == [("Help 0", "Harbour", None)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Neighbourhood)) == 3
    community = db.session.scalar(sa.select(Community).where(Community.slug == "town-bank"))
    offered = dict(search.listing_neighbourhoods(community, "en"))
    assert sorted(offered.values()) == ["Harbour", "Mill Lane"]
    mill = next(value for value, name in offered.items() if name == "Mill Lane")
    assert search.listings(community, search.Filters(neighbourhood=mill)).total == 3
    assert search.listings(community, search.Filters(q="help 2")).total >= 1  # index rebuilt
    db.session.commit()
    db.session.remove()

    downgrade(revision=BEFORE)
    with db.engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("listings")}
        assert "neighbourhood_id" not in columns and "duration_minutes" not in columns
        texts = conn.execute(sa.text("SELECT title, neighbourhood FROM listings ORDER BY id")).all()
    assert [t for _title, t in texts] == [
        "Harbour",
        "Harbour",
        "Mill Lane",
        "Mill Lane",
        "Mill Lane",
        None,
        None,
        "Harbour",
    ]
    upgrade()
