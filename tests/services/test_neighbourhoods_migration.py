"""Migration p_hoods_1: members' free-text neighbourhoods become the community's list
(distinct after trimming and case-folding, per community), profiles point at their entry,
and the downgrade gives members their neighbourhood back as text (SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from timebank.extensions import db
from timebank.models import Community, Membership, Neighbourhood, Profile
from timebank.services.listings import search

NOW = {"now": "2026-01-01 00:00:00"}


def _community(conn, slug: str, locale: str) -> int:
    conn.execute(
        sa.text(
            "INSERT INTO communities (slug, name, locale, accepting_applications, "
            "next_member_number, created_at) VALUES (:slug, :slug, :locale, true, 1, :now)"
        ),
        {"slug": slug, "locale": locale, **NOW},
    )
    return conn.execute(sa.text("SELECT id FROM communities WHERE slug = :s"), {"s": slug}).scalar()


def _member(conn, community_id: int, n: int, neighbourhood: str | None) -> None:
    email = f"m{community_id}-{n}@example.org"
    conn.execute(
        sa.text(
            "INSERT INTO users (email, display_name, is_admin, is_disabled, session_token, "
            "failed_logins, created_at) VALUES (:e, :e, false, false, :e, 0, :now)"
        ),
        {"e": email, **NOW},
    )
    conn.execute(
        sa.text(
            "INSERT INTO memberships (user_id, community_id, role, status, member_number, "
            "created_at) SELECT id, :c, 'member', 'active', :n, :now FROM users WHERE email = :e"
        ),
        {"c": community_id, "n": n, "e": email, **NOW},
    )
    conn.execute(
        sa.text(
            "INSERT INTO profiles (membership_id, neighbourhood, languages, show_bio, "
            "show_neighbourhood, show_languages, show_availability, show_skills, show_phone, "
            "show_email, show_address, search_text, updated_at) SELECT m.id, :place, '', true, "
            "true, true, true, true, false, false, false, :text, :now FROM memberships m "
            "JOIN users u ON u.id = m.user_id WHERE u.email = :e"
        ),
        {"place": neighbourhood, "text": (neighbourhood or "").lower(), "e": email, **NOW},
    )


def _places(slug: str) -> dict[str, list[str | None]]:
    """Each entry's English name → the free text left on its members' profiles."""
    community = db.session.scalar(sa.select(Community).where(Community.slug == slug))
    rows = db.session.execute(
        sa.select(Neighbourhood.name_en, Neighbourhood.name_ar, Profile.neighbourhood)
        .join(Profile, Profile.neighbourhood_id == Neighbourhood.id)
        .where(Neighbourhood.community_id == community.id)
    ).all()
    out: dict[str, list[str | None]] = {}
    for en, ar, text in rows:
        assert en == ar, "both names start as the members' own spelling"
        out.setdefault(en, []).append(text)
    return out


def test_free_text_becomes_the_list_and_comes_back_on_downgrade(app):
    db.session.remove()
    downgrade(revision="o_reports_1")
    with db.engine.begin() as conn:
        harbour = _community(conn, "harbour-bank", "en")
        hills = _community(conn, "hills-bank", "ar")
        for n, place in enumerate(
            ["Old Town", " old town", "OLD  TOWN ", "Old Town", "Harbour", "البلدة القديمة",
             "   ", None],
            start=1,
        ):  # fmt: skip
            _member(conn, harbour, n, place)
        _member(conn, hills, 1, "old town")
    upgrade()

    # Three places in the first community (the spelling most members used names each),
    # one in the second: lists are per community, even for the same words.
    assert _places("harbour-bank") == {
        "Old Town": [None, None, None, None],
        "Harbour": [None],
        "البلدة القديمة": [None],
    }
    assert _places("hills-bank") == {"old town": [None]}
    blank = db.session.scalars(
        sa.select(Profile.neighbourhood).where(Profile.neighbourhood_id.is_(None))
    ).all()
    assert blank == [None, None], "blank text is cleared, no text stays no text"

    # The directory's filter offers the list and finds the members by it.
    community = db.session.scalar(sa.select(Community).where(Community.slug == "harbour-bank"))
    offered = dict(search.member_neighbourhoods(community, "en"))
    assert sorted(offered.values()) == ["Harbour", "Old Town", "البلدة القديمة"]
    old_town = next(value for value, name in offered.items() if name == "Old Town")
    page = search.members(community, search.Filters(neighbourhood=old_town))
    assert page.total == 4
    db.session.commit()
    db.session.remove()

    downgrade(revision="o_reports_1")
    with db.engine.connect() as conn:
        assert "neighbourhoods" not in sa.inspect(conn).get_table_names()
        texts = conn.execute(
            sa.text(
                "SELECT c.slug, p.neighbourhood FROM profiles p JOIN memberships m "
                "ON m.id = p.membership_id JOIN communities c ON c.id = m.community_id"
            )
        ).all()
    assert sorted((slug, text or "") for slug, text in texts) == sorted(
        [("harbour-bank", "Old Town")] * 4 + [("harbour-bank", "Harbour"),
         ("harbour-bank", "البلدة القديمة"), ("harbour-bank", ""), ("harbour-bank", ""),
         ("hills-bank", "old town")]
    )  # fmt: skip
    upgrade()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) == 9
