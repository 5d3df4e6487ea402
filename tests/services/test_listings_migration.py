"""Migration 0003: no drift between models and schema, seeds existing communities, and
downgrades cleanly (on SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from timebank.extensions import db
from timebank.models.ledger import expression_indexes_unreflected
from timebank.models.search_index import include_name


def _drift() -> list:
    with db.engine.connect() as conn, expression_indexes_unreflected(conn.dialect.name):
        context = MigrationContext.configure(
            conn, opts={"include_name": include_name, "compare_type": True}
        )
        return compare_metadata(context, db.metadata)


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_models_and_migrations_agree(app):
    """Autogenerate finds nothing to add or drop (full-text objects excluded)."""
    assert _drift() == []


def test_downgrade_and_upgrade_seed_existing_communities(app):
    """Down to 0001 removes everything 0003 added; up again seeds categories and profiles
    for communities and members that already exist, and fills the search index."""
    db.session.remove()
    downgrade(revision="0001")
    assert not {"listings", "categories", "profiles", "listings_fts"} & _tables()
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO communities (slug, name, locale, accepting_applications, "
                "next_member_number, created_at) VALUES ('old', 'Old', 'ar', true, 2, :now)"
            ),
            {"now": "2026-01-01 00:00:00"},
        )
        conn.execute(
            sa.text(
                "INSERT INTO users (email, display_name, is_admin, is_disabled, session_token, "
                "failed_logins, created_at) VALUES ('a@example.org', 'سَلمى', false, false, 't', 0, "
                ":now)"
            ),
            {"now": "2026-01-01 00:00:00"},
        )
        conn.execute(
            sa.text(
                "INSERT INTO memberships (user_id, community_id, role, status, member_number, "
                "created_at) SELECT u.id, c.id, 'member', 'active', 1, :now FROM users u, "
                "communities c"
            ),
            {"now": "2026-01-01 00:00:00"},
        )
    upgrade()
    from timebank.models import Community
    from timebank.services.listings import categories, search

    community = db.session.scalar(sa.select(Community).where(Community.slug == "old"))
    assert community.listing_expiry_days == 90
    assert len(categories.tree(community)) == 15
    page = search.members(community, search.Filters(q="سلمي"))
    assert page.total == 1
    db.session.commit()
    assert _drift() == []
