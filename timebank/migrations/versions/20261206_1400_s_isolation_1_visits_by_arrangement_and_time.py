"""companionship_visits: ``ix_companionship_visits_arrangement_created`` (arrangement,
time) replaces the index on the arrangement alone

The coordinator's dashboard counts the recipients possibly isolated: for each active
arrangement, whether a visit was logged inside its quiet window. With the arrangement
alone indexed, each probe read every visit of the arrangement (a year of weekly visits)
and filtered them by time; with the time in the index it is one range probe (3–5 times
faster at 3,000 arrangements, issue 15). An arrangement's visit list, newest first,
reads the same index backwards.

Revision ID: s_isolation_1
Revises: b_bench3_1
Create Date: 2026-12-06 14:00:00

"""

from alembic import op

revision = "s_isolation_1"
down_revision = "b_bench3_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_companionship_visits_arrangement_created",
        "companionship_visits",
        ["arrangement_id", "created_at"],
    )
    op.drop_index("ix_companionship_visits_arrangement_id", table_name="companionship_visits")


def downgrade() -> None:
    op.create_index(
        "ix_companionship_visits_arrangement_id", "companionship_visits", ["arrangement_id"]
    )
    op.drop_index(
        "ix_companionship_visits_arrangement_created", table_name="companionship_visits"
    )
