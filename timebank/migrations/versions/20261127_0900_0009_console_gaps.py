"""console gaps: messages.sent_by_id (a proxy who wrote a message on the author's behalf)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 04:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sent_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_messages_sent_by_id_users"), "users", ["sent_by_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_messages_sent_by_id_users"), type_="foreignkey")
        batch_op.drop_column("sent_by_id")
