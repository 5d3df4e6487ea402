"""outbox: a partial index over the mail not yet sent (the send job's claim, the dead
letters and the metrics' backlog read it, not the whole sent history)

Revision ID: outbox_unsent
Revises: s_metrics_1
Create Date: 2026-12-06 07:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "outbox_unsent"
down_revision = "s_metrics_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_outbox_messages_unsent",
        "outbox_messages",
        ["id"],
        unique=False,
        sqlite_where=sa.text("sent_at IS NULL"),
        postgresql_where=sa.text("sent_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_messages_unsent", table_name="outbox_messages")
