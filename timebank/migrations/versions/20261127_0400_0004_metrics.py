"""metrics: members may see the dashboard, value per hour for social value; metric indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 04:00:00

"""
from alembic import op

# Columns with their CHECKs inline: SQLite's ALTER TABLE ADD/DROP COLUMN handles column
# constraints without rebuilding the table (which other tables reference).
COLUMNS = [
    ('members_see_metrics', 'BOOLEAN NOT NULL DEFAULT FALSE', None),
    ('value_per_hour_cents', 'INTEGER',
     ('value_per_hour_non_negative',
      'value_per_hour_cents IS NULL OR (value_per_hour_cents BETWEEN 0 AND 100000000)')),
    ('value_currency', 'VARCHAR(3)', None),
]

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    for name, spec, check in COLUMNS:
        constraint = f" CONSTRAINT ck_communities_{check[0]} CHECK ({check[1]})" if check else ""
        op.execute(f"ALTER TABLE communities ADD COLUMN {name} {spec}{constraint}")
    op.create_index('ix_exchanges_community_service_date', 'exchanges',
                    ['community_id', 'service_date'], unique=False)
    op.create_index('ix_exchanges_community_category_date', 'exchanges',
                    ['community_id', 'category', 'service_date'], unique=False)
    op.create_index('ix_exchanges_pair_date', 'exchanges',
                    ['provider_account_id', 'recipient_account_id', 'service_date'], unique=False)
    op.create_index('ix_entries_created_at', 'entries', ['created_at'], unique=False)


def downgrade():
    op.drop_index('ix_entries_created_at', table_name='entries')
    op.drop_index('ix_exchanges_pair_date', table_name='exchanges')
    op.drop_index('ix_exchanges_community_category_date', table_name='exchanges')
    op.drop_index('ix_exchanges_community_service_date', table_name='exchanges')
    for name, _spec, _check in reversed(COLUMNS):
        op.execute(f"ALTER TABLE communities DROP COLUMN {name}")
