"""prepared reports: a report a coordinator asked to have prepared in the background,
and the file the job wrote for it (issues 16 and 17)

Revision ID: o_reports_1
Revises: c_visits_3
Create Date: 2026-12-06 07:20:00

"""

import sqlalchemy as sa
from alembic import op

from timebank.models.base import UTCDateTime

revision = "o_reports_1"
down_revision = "c_visits_3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prepared_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("ready_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            ondelete="CASCADE",
            name=op.f("fk_prepared_reports_community_id_communities"),
        ),  # fmt: skip
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["users.id"],
            ondelete="CASCADE",
            name=op.f("fk_prepared_reports_requester_id_users"),
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prepared_reports")),
        sa.UniqueConstraint("token", name=op.f("uq_prepared_reports_token")),
    )
    op.create_index(
        op.f("ix_prepared_reports_community_id"), "prepared_reports", ["community_id"],
        unique=False,
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index(op.f("ix_prepared_reports_community_id"), table_name="prepared_reports")
    op.drop_table("prepared_reports")
