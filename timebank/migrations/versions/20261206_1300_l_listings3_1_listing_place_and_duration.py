"""listings.neighbourhood_id: a listing names an entry of the community's neighbourhood
list (its free text becomes list entries, as p_hoods_1 did for profiles);
listings.duration_minutes: how long the help takes, 5 minutes to 24 hours (issue 16)

Revision ID: l_listings3_1
Revises: c_visits2_1
Create Date: 2026-12-06 13:00:00

"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from timebank.models.base import UTCDateTime
from timebank.models.search_index import create_search_index, drop_search_index

revision = "l_listings3_1"
down_revision = "c_visits2_1"
branch_labels = None
depends_on = None

FK = "fk_listings_neighbourhood_id_neighbourhoods"
OLD_INDEX = "ix_listings_neighbourhood"
INDEX = "ix_listings_neighbourhood_id"


def fold(text: str) -> str:
    """The key two spellings of one place share (as in p_hoods_1)."""
    return " ".join(text.split()).casefold()


def _alter_listings(change) -> None:
    """SQLite rebuilds the table, which drops the full-text index's triggers: the index
    is taken down and built again around the change."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        drop_search_index("listings")
    with op.batch_alter_table("listings", schema=None) as batch_op:
        change(batch_op)
    if sqlite:
        create_search_index("listings")


def _add_columns(batch_op) -> None:
    batch_op.add_column(sa.Column("neighbourhood_id", sa.Integer(), nullable=True))
    batch_op.add_column(sa.Column("duration_minutes", sa.Integer(), nullable=True))
    batch_op.create_foreign_key(
        FK, "neighbourhoods", ["neighbourhood_id"], ["id"], ondelete="SET NULL"
    )
    batch_op.create_check_constraint(
        "duration_range", "duration_minutes IS NULL OR duration_minutes BETWEEN 5 AND 1440"
    )
    batch_op.drop_index(OLD_INDEX)
    batch_op.create_index(
        INDEX, ["community_id", "neighbourhood_id", "status", "created_at"], unique=False
    )


def _drop_columns(batch_op) -> None:
    batch_op.drop_index(INDEX)
    batch_op.create_index(OLD_INDEX, ["community_id", "neighbourhood"], unique=False)
    batch_op.drop_constraint("duration_range", type_="check")
    batch_op.drop_constraint(FK, type_="foreignkey")
    batch_op.drop_column("duration_minutes")
    batch_op.drop_column("neighbourhood_id")


def _migrate_free_text(conn) -> None:
    """Each listing's words name the entry they match (either language, any case and
    spacing); words no entry matches become one new entry per community and folded
    name, named as most listings wrote it, in both languages until a coordinator renames
    it. Listings keep no free text; blank words are cleared."""
    entries: dict[tuple[int, str], int] = {}
    for entry_id, community_id, name_en, name_ar in conn.execute(
        sa.text("SELECT id, community_id, name_en, name_ar FROM neighbourhoods ORDER BY id")
    ):
        for name in (name_en, name_ar):
            entries.setdefault((community_id, fold(name)), entry_id)
    rows = conn.execute(
        sa.text(
            "SELECT id, community_id, neighbourhood FROM listings "
            "WHERE neighbourhood IS NOT NULL ORDER BY id"
        )
    ).all()
    spellings: dict[tuple[int, str], Counter] = {}
    listings: dict[tuple[int, str], list[int]] = {}
    for listing_id, community_id, text in rows:
        name = " ".join(text.split())
        if not name:
            continue
        key = (community_id, fold(name))
        spellings.setdefault(key, Counter())[name[:80]] += 1
        listings.setdefault(key, []).append(listing_id)
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
    for key in sorted(listings):
        entry_id = entries.get(key)
        if entry_id is None:
            name = spellings[key].most_common(1)[0][0]
            entry_id = conn.execute(
                table.insert()
                .values(
                    community_id=key[0], name_en=name, name_ar=name, active=True, created_at=now
                )
                .returning(table.c.id)
            ).scalar_one()
            entries[key] = entry_id
        conn.execute(
            sa.text(
                "UPDATE listings SET neighbourhood_id = :n, neighbourhood = NULL "
                "WHERE id IN :ids"
            ).bindparams(sa.bindparam("ids", expanding=True)),
            {"n": entry_id, "ids": listings[key]},
        )
    conn.execute(
        sa.text(
            "UPDATE listings SET neighbourhood = NULL "
            "WHERE neighbourhood IS NOT NULL AND trim(neighbourhood) = ''"
        )
    )


def upgrade() -> None:
    _alter_listings(_add_columns)
    _migrate_free_text(op.get_bind())


def downgrade() -> None:
    # Listings keep their place as words: the entry's name in the community's language.
    op.execute(
        "UPDATE listings SET neighbourhood = (SELECT CASE WHEN c.locale = 'ar' THEN n.name_ar "
        "ELSE n.name_en END FROM neighbourhoods n JOIN communities c ON c.id = n.community_id "
        "WHERE n.id = listings.neighbourhood_id) "
        "WHERE neighbourhood_id IS NOT NULL AND neighbourhood IS NULL"
    )
    _alter_listings(_drop_columns)
