"""exchanges: ``ix_exchanges_listing_id`` only over the exchanges recorded from a listing
(partial, ``listing_id IS NOT NULL``); ``ix_exchanges_community_status`` ends with ``id``;
visits by wellbeing and time

SQLite's ANALYZE counts every NULL as one value: in a ledger where most exchanges come
from no listing, the full index looked like a million rows per listing, and a listing's
page read its community's whole history by date instead (1.5 s at 1,000,000 exchanges,
issue 15). The partial index holds only the linked exchanges, so its statistics describe
them, and a posting without a listing no longer writes an index entry.

The approval queue (oldest first, seeking by id) was read on PostgreSQL by walking the
primary key from the first exchange ever and filtering for the waiting ones, which are
the newest (1.3 s at 1,000,000 exchanges); with ``id`` in the community-and-status index
the queue is read in order from it (0.05 ms).

The coordinator's dashboard counts the concerns of the last 30 days: PostgreSQL read every
visit ever for it (a parallel scan of 406,000 visits in a national network, 220 ms);
``ix_companionship_visits_wellbeing_created`` makes it a range.

Revision ID: b_bench3_1
Revises: m_rollups_1
Create Date: 2026-12-06 13:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b_bench3_1"
down_revision = "m_rollups_1"
branch_labels = None
depends_on = None

WHERE = sa.text("listing_id IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_companionship_visits_wellbeing_created",
        "companionship_visits",
        ["wellbeing", "created_at", "id"],
    )
    op.drop_index("ix_exchanges_community_status", table_name="exchanges")
    op.create_index("ix_exchanges_community_status", "exchanges", ["community_id", "status", "id"])
    op.drop_index("ix_exchanges_listing_id", table_name="exchanges")
    op.create_index(
        "ix_exchanges_listing_id",
        "exchanges",
        ["listing_id"],
        unique=False,
        sqlite_where=WHERE,
        postgresql_where=WHERE,
    )


def downgrade() -> None:
    op.drop_index("ix_companionship_visits_wellbeing_created", table_name="companionship_visits")
    op.drop_index("ix_exchanges_listing_id", table_name="exchanges")
    op.create_index("ix_exchanges_listing_id", "exchanges", ["listing_id"])
    op.drop_index("ix_exchanges_community_status", table_name="exchanges")
    op.create_index("ix_exchanges_community_status", "exchanges", ["community_id", "status"])
