"""metrics covering indexes: each recipient's last visit of a category, and each account's
entries by time with their amounts (balances at the end of a past period)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 11:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_exchanges_category_recipient",
        "exchanges",
        ["category", "community_id", "recipient_account_id", "status", "kind", "service_date"],
        unique=False,
    )
    op.create_index(
        "ix_entries_account_created", "entries", ["account_id", "created_at", "delta"], unique=False
    )


def downgrade():
    op.drop_index("ix_entries_account_created", table_name="entries")
    op.drop_index("ix_exchanges_category_recipient", table_name="exchanges")
