"""companionship requests: access notes (how to get in), for the matched volunteer

Revision ID: t_people_1
Revises: 0012
Create Date: 2026-12-06 01:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "t_people_1"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("companionship_requests", sa.Column("access_notes", sa.Text(), nullable=True))


def downgrade():
    op.execute("ALTER TABLE companionship_requests DROP COLUMN access_notes")
