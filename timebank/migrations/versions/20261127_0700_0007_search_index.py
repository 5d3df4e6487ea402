"""search index: on PostgreSQL a stored, GIN-indexed tsvector column for listings

Replaces the expression index of 0003 (``ix_listings_search``) by a generated column
``listings.search_vector`` and its GIN index, so that ranking reads the stored vector
instead of tokenising each row again. Nothing changes on SQLite (FTS5). Self-contained,
so it can be re-chained after other revisions.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 05:00:00

"""
from timebank.models.search_index import create_listing_vector, drop_listing_vector


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    create_listing_vector()


def downgrade():
    drop_listing_vector()
