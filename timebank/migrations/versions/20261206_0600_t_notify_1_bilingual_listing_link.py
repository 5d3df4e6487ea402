"""bilingual community tagline (``description_ar``) and the listing an exchange was
recorded from (``exchanges.listing_id``, nullable)

Revision ID: t_notify_1
Revises: api_1
Create Date: 2026-12-06 06:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "t_notify_1"
down_revision = "api_1"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (inline constraints): SQLite then keeps the table, which others
    # reference, instead of rebuilding it.
    op.execute("ALTER TABLE communities ADD COLUMN description_ar TEXT")
    op.execute(
        "ALTER TABLE exchanges ADD COLUMN listing_id INTEGER "
        "CONSTRAINT fk_exchanges_listing_id_listings REFERENCES listings (id)"
    )
    op.create_index("ix_exchanges_listing_id", "exchanges", ["listing_id"])


def downgrade():
    op.drop_index("ix_exchanges_listing_id", table_name="exchanges")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("fk_exchanges_listing_id_listings", "exchanges", type_="foreignkey")
    op.execute("ALTER TABLE exchanges DROP COLUMN listing_id")
    op.execute("ALTER TABLE communities DROP COLUMN description_ar")
