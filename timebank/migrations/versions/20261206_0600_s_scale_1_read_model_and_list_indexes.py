"""scale: each account's last exchange date (read model), and indexes in each big list's order

The coordinator dashboard's "no exchange in 60/90 days" read every exchange ever (provider
or recipient); it now reads ``accounts.last_exchange_on``, kept by the posting's own update
of the balance and backfilled here. The audit log (newest first, its list of actions) and
the notification inbox (newest first) get indexes in their order.

Revision ID: s_scale_1
Revises: t_ledger_2
Create Date: 2026-12-06 06:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "s_scale_1"
down_revision = "t_ledger_2"
branch_labels = None
depends_on = None

BACKFILL = """
UPDATE accounts SET last_exchange_on = (
    SELECT max(d) FROM (
        SELECT max(service_date) AS d FROM exchanges
        WHERE provider_account_id = accounts.id AND status IN ('posted', 'reversed')
        UNION ALL
        SELECT max(service_date) AS d FROM exchanges
        WHERE recipient_account_id = accounts.id AND status IN ('posted', 'reversed')
    ) AS sides
)
"""


def upgrade():
    op.add_column("accounts", sa.Column("last_exchange_on", sa.Date(), nullable=True))
    op.execute(BACKFILL)
    op.create_index(
        "ix_accounts_community_last_exchange", "accounts", ["community_id", "last_exchange_on"]
    )
    op.create_index("ix_audit_events_community_id", "audit_events", ["community_id", "id"])
    op.create_index("ix_audit_events_community_action", "audit_events", ["community_id", "action"])
    op.create_index(
        "ix_notifications_user_created", "notifications", ["user_id", "created_at", "id"]
    )


def downgrade():
    op.drop_index("ix_notifications_user_created", table_name="notifications")
    op.drop_index("ix_audit_events_community_action", table_name="audit_events")
    op.drop_index("ix_audit_events_community_id", table_name="audit_events")
    op.drop_index("ix_accounts_community_last_exchange", table_name="accounts")
    op.drop_column("accounts", "last_exchange_on")  # SQLite ≥ 3.35 drops a column in place
