"""volunteer absences: dates a volunteer is away; their planned visits then go straight
to stand-in volunteers (issue 19)

Revision ID: c_visits_3
Revises: c_visits_2
Create Date: 2026-12-06 07:10:00

"""

import sqlalchemy as sa
from alembic import op

from timebank.models.base import UTCDateTime

revision = "c_visits_3"
down_revision = "c_visits_2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "companionship_absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "ends_on >= starts_on", name=op.f("ck_companionship_absences_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"], ["memberships.id"],
            name=op.f("fk_companionship_absences_membership_id_memberships"),
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companionship_absences")),
    )
    op.create_index(
        op.f("ix_companionship_absences_membership_id"), "companionship_absences",
        ["membership_id"], unique=False,
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index(op.f("ix_companionship_absences_membership_id"), table_name="companionship_absences")
    op.drop_table("companionship_absences")
