"""outbox retries: how many times each message was tried and when it may be tried next
(a failed send is retried with exponential backoff; ``error`` marks the last failure)

Revision ID: o_jobs_1
Revises: s_scale_1
Create Date: 2026-12-06 06:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "o_jobs_1"
down_revision = "s_scale_1"
branch_labels = None
depends_on = None


def _timestamp() -> str:
    # SQLite keeps UTC timestamps naive (models/base.py UTCDateTime), as DATETIME.
    return "DATETIME" if op.get_bind().dialect.name == "sqlite" else "TIMESTAMP WITH TIME ZONE"


def upgrade():
    # Plain ADD COLUMN: SQLite needs no table rebuild (other tables reference this one).
    op.execute("ALTER TABLE outbox_messages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0")
    op.execute(f"ALTER TABLE outbox_messages ADD COLUMN next_attempt_at {_timestamp()}")


def downgrade():
    op.execute("ALTER TABLE outbox_messages DROP COLUMN next_attempt_at")
    op.execute("ALTER TABLE outbox_messages DROP COLUMN attempts")
