"""check reminders: safeguarding_checks.expiry_notified_at

When the coordinators were told that a check is about to expire (``flask remind-checks``),
so that each check is announced once. Self-contained, so it can be re-chained.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 05:00:00

"""
from alembic import op
import sqlalchemy as sa
import timebank.models.base


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('safeguarding_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expiry_notified_at', timebank.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('safeguarding_checks', schema=None) as batch_op:
        batch_op.drop_column('expiry_notified_at')
