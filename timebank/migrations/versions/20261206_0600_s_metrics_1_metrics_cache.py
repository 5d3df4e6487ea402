"""metrics cache shared by every process: each community's posting version and each
period's computed summary

Revision ID: s_metrics_1
Revises: o_jobs_1
Create Date: 2026-12-06 06:00:00

"""

import sqlalchemy as sa
from alembic import op

from timebank.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = "s_metrics_1"
down_revision = "o_jobs_1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "metrics_stamps",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_metrics_stamps_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_metrics_stamps")),
    )
    op.create_table(
        "metrics_summaries",
        sa.Column("community_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("stamp", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("community_id", "period", name=op.f("pk_metrics_summaries")),
    )


def downgrade():
    op.drop_table("metrics_summaries")
    op.drop_table("metrics_stamps")
