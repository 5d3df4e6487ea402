"""communities.public_offers: whether the visitor's home page shows a few open offers
(issue 16); off for every existing community

Revision ID: p_hoods_2
Revises: p_hoods_1
Create Date: 2026-12-06 09:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "p_hoods_2"
down_revision = "p_hoods_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "communities",
        sa.Column("public_offers", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    op.execute("ALTER TABLE communities DROP COLUMN public_offers")
