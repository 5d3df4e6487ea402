"""metrics index: each pair's history whichever the direction (new ties), replacing the
directed ix_exchanges_pair_date

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    # The same expressions as models.ledger.tie_of (min/max of two values on SQLite).
    low, high = ("LEAST", "GREATEST") if op.get_context().dialect.name == "postgresql" else (
        "min", "max")  # fmt: skip
    op.create_index(
        "ix_exchanges_tie_date",
        "exchanges",
        [
            "community_id",
            sa.text(f"{low}(provider_account_id, recipient_account_id)"),
            sa.text(f"{high}(provider_account_id, recipient_account_id)"),
            "service_date",
        ],
        unique=False,
    )
    op.drop_index("ix_exchanges_pair_date", table_name="exchanges")


def downgrade():
    op.create_index(
        "ix_exchanges_pair_date",
        "exchanges",
        ["provider_account_id", "recipient_account_id", "service_date"],
        unique=False,
    )
    op.drop_index("ix_exchanges_tie_date", table_name="exchanges")
