"""visit feeds: each member's secret iCalendar feed of their companionship visits (only
the secret's SHA-256 is stored; revoking deletes the row) (issue 19)

Revision ID: c_visits_2
Revises: c_visits_1
Create Date: 2026-12-06 07:00:00

"""

import sqlalchemy as sa
from alembic import op

from timebank.models.base import UTCDateTime

revision = "c_visits_2"
down_revision = "c_visits_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "companionship_visit_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_companionship_visit_feeds_membership_id_memberships"),
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companionship_visit_feeds")),
        sa.UniqueConstraint(
            "membership_id", name=op.f("uq_companionship_visit_feeds_membership_id")
        ),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_companionship_visit_feeds_secret_hash")),
    )


def downgrade() -> None:
    op.drop_table("companionship_visit_feeds")
