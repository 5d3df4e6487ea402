"""visit schedule: the agreed day and time of an arrangement's visits, and the planned
visits with their escalation steps (issue 19)

Revision ID: c_visits_1
Revises: a_hooks_1
Create Date: 2026-12-06 06:40:00

"""

import sqlalchemy as sa
from alembic import op

from timebank.models.base import UTCDateTime

revision = "c_visits_1"
down_revision = "a_hooks_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: SQLite needs no table rebuild (other tables reference this one).
    op.execute("ALTER TABLE companionship_arrangements ADD COLUMN visit_weekday SMALLINT")
    op.execute("ALTER TABLE companionship_arrangements ADD COLUMN visit_time TIME")
    op.execute("ALTER TABLE companionship_arrangements ADD COLUMN schedule_from DATE")
    op.create_table(
        "companionship_planned_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("arrangement_id", sa.Integer(), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "done",
                "skipped",
                name="planned_visit_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),  # fmt: skip
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("reminded_at", UTCDateTime(), nullable=True),
        sa.Column("offered_at", UTCDateTime(), nullable=True),
        sa.Column("stand_in_id", sa.Integer(), nullable=True),
        sa.Column("alerted_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["arrangement_id"],
            ["companionship_arrangements.id"],
            name=op.f("fk_companionship_planned_visits_arrangement_id_companionship_arrangements"),
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["companionship_visits.id"],
            name=op.f("fk_companionship_planned_visits_visit_id_companionship_visits"),
        ),
        sa.ForeignKeyConstraint(
            ["stand_in_id"],
            ["memberships.id"],
            name=op.f("fk_companionship_planned_visits_stand_in_id_memberships"),
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companionship_planned_visits")),
        sa.UniqueConstraint(
            "arrangement_id",
            "planned_on",
            name=op.f("uq_companionship_planned_visits_arrangement_id_planned_on"),
        ),  # fmt: skip
    )


def downgrade() -> None:
    op.drop_table("companionship_planned_visits")
    op.execute("ALTER TABLE companionship_arrangements DROP COLUMN schedule_from")
    op.execute("ALTER TABLE companionship_arrangements DROP COLUMN visit_time")
    op.execute("ALTER TABLE companionship_arrangements DROP COLUMN visit_weekday")
