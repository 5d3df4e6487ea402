"""metrics monthly rollups: each community's exchanges per month by kind, status and
category, each account's counted exchanges per month, and each pair's first exchange (a
read model kept by triggers on ``exchanges``), back-filled from the ledger (issue 15)

Revision ID: m_rollups_1
Revises: l_listings3_1
Create Date: 2026-12-06 13:00:00

"""

import sqlalchemy as sa
from alembic import op

from timebank.models.metrics_rollup_triggers import create_rollup_triggers, drop_rollup_triggers

# revision identifiers, used by Alembic.
revision = "m_rollups_1"
down_revision = "l_listings3_1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "metrics_month_totals",
        sa.Column("community_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("exchanges", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "community_id", "month", "kind", "status", "category",
            name=op.f("pk_metrics_month_totals"),
        ),
    )  # fmt: skip
    op.create_table(
        "metrics_account_months",
        sa.Column("community_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("account_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("given", sa.BigInteger(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("gave", sa.Integer(), nullable=False),
        sa.Column("got", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=True),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint(
            "community_id", "month", "account_id", name=op.f("pk_metrics_account_months")
        ),
    )
    op.create_index(
        "ix_metrics_account_months_account", "metrics_account_months", ["account_id", "month"]
    )
    op.create_table(
        "metrics_ties",
        sa.Column("community_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("low", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("high", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("first_day", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("community_id", "low", "high", name=op.f("pk_metrics_ties")),
    )
    op.create_index("ix_metrics_ties_first_day", "metrics_ties", ["community_id", "first_day"])
    create_rollup_triggers()
    _backfill()


def _backfill() -> None:
    from timebank.services.ledger.rollup_model import rebuild_on

    rebuild_on(op.get_bind())


def downgrade():
    drop_rollup_triggers()
    op.drop_index("ix_metrics_ties_first_day", table_name="metrics_ties")
    op.drop_table("metrics_ties")
    op.drop_index("ix_metrics_account_months_account", table_name="metrics_account_months")
    op.drop_table("metrics_account_months")
    op.drop_table("metrics_month_totals")
