"""neighbourhoods: a managed list per community; members' free-text neighbourhoods become
list entries (distinct after trimming and case-folding, per community) and profiles point
at them (issue 16)

Revision ID: p_hoods_1
Revises: c_codesign2_1
Create Date: 2026-12-06 09:00:00

"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from timebank.models.base import UTCDateTime
from timebank.models.search_index import create_search_index, drop_search_index

revision = "p_hoods_1"
down_revision = "c_codesign2_1"
branch_labels = None
depends_on = None

FK = "fk_profiles_neighbourhood_id_neighbourhoods"
INDEX = "ix_profiles_neighbourhood_id"


def fold(text: str) -> str:
    """The key two spellings of one place share: trimmed, inner spaces collapsed,
    case-folded ("  Old  Town " and "old town" are one neighbourhood)."""
    return " ".join(text.split()).casefold()


def _alter_profiles(change) -> None:
    """Change the profiles table; SQLite rebuilds it, which drops the full-text index's
    triggers, so the index is taken down and built again around the change."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        drop_search_index("profiles")
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        change(batch_op)
    if sqlite:
        create_search_index("profiles")


def _add_column(batch_op) -> None:
    batch_op.add_column(sa.Column("neighbourhood_id", sa.Integer(), nullable=True))
    batch_op.create_index(INDEX, ["neighbourhood_id"], unique=False)
    batch_op.create_foreign_key(
        FK, "neighbourhoods", ["neighbourhood_id"], ["id"], ondelete="SET NULL"
    )


def _drop_column(batch_op) -> None:
    batch_op.drop_constraint(FK, type_="foreignkey")
    batch_op.drop_index(INDEX)
    batch_op.drop_column("neighbourhood_id")


def _migrate_free_text(conn) -> None:
    """One list entry per community and folded name, named as most members wrote it (the
    first written on a tie), in both languages until a coordinator renames it; each
    profile points at its entry and keeps no free text."""
    rows = conn.execute(
        sa.text(
            "SELECT p.id, m.community_id, p.neighbourhood FROM profiles p "
            "JOIN memberships m ON m.id = p.membership_id "
            "WHERE p.neighbourhood IS NOT NULL ORDER BY p.id"
        )
    ).all()
    spellings: dict[tuple[int, str], Counter] = {}
    members: dict[tuple[int, str], list[int]] = {}
    for profile_id, community_id, text in rows:
        name = " ".join(text.split())
        if not name:
            continue
        key = (community_id, fold(name))
        spellings.setdefault(key, Counter())[name[:80]] += 1
        members.setdefault(key, []).append(profile_id)
    table = sa.table(
        "neighbourhoods",
        sa.column("id", sa.Integer),
        sa.column("community_id", sa.Integer),
        sa.column("name_en", sa.String),
        sa.column("name_ar", sa.String),
        sa.column("active", sa.Boolean),
        sa.column("created_at", UTCDateTime()),
    )
    now = datetime.now(UTC)
    for key in sorted(members, key=lambda k: (k[0], k[1])):
        name = spellings[key].most_common(1)[0][0]
        new_id = conn.execute(
            table.insert()
            .values(community_id=key[0], name_en=name, name_ar=name, active=True, created_at=now)
            .returning(table.c.id)
        ).scalar_one()
        conn.execute(
            sa.text(
                "UPDATE profiles SET neighbourhood_id = :n, neighbourhood = NULL "
                "WHERE id IN :ids"
            ).bindparams(sa.bindparam("ids", expanding=True)),
            {"n": new_id, "ids": members[key]},
        )
    # Blank free text ("   ") says nothing: cleared.
    conn.execute(
        sa.text(
            "UPDATE profiles SET neighbourhood = NULL "
            "WHERE neighbourhood IS NOT NULL AND trim(neighbourhood) = ''"
        )
    )


def upgrade() -> None:
    op.create_table(
        "neighbourhoods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("name_ar", sa.String(length=80), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "length(name_en) >= 1 AND length(name_ar) >= 1",
            name=op.f("ck_neighbourhoods_names_present"),
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], ondelete="CASCADE",
            name=op.f("fk_neighbourhoods_community_id_communities"),
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_neighbourhoods")),
    )
    op.create_index(
        op.f("ix_neighbourhoods_community_id"), "neighbourhoods", ["community_id"], unique=False
    )
    _alter_profiles(_add_column)
    _migrate_free_text(op.get_bind())


def downgrade() -> None:
    # Members keep where they live as text: the entry's name in the community's language.
    op.execute(
        "UPDATE profiles SET neighbourhood = (SELECT CASE WHEN c.locale = 'ar' THEN n.name_ar "
        "ELSE n.name_en END FROM neighbourhoods n JOIN communities c ON c.id = n.community_id "
        "WHERE n.id = profiles.neighbourhood_id) "
        "WHERE neighbourhood_id IS NOT NULL AND neighbourhood IS NULL"
    )
    _alter_profiles(_drop_column)
    op.drop_index(op.f("ix_neighbourhoods_community_id"), table_name="neighbourhoods")
    op.drop_table("neighbourhoods")
