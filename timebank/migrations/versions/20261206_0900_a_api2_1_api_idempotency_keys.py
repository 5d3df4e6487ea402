"""api idempotency keys: the Idempotency-Key of an API creation outside the ledger (a
listing, a member), unique per caller, so two simultaneous requests with one key create
one thing (issue 18)

Revision ID: a_api2_1
Revises: o_reports_1
Create Date: 2026-12-06 09:00:00

"""

import sqlalchemy as sa
from alembic import op

from timebank.models.base import UTCDateTime

revision = "a_api2_1"
down_revision = "o_reports_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("operation", sa.String(length=40), nullable=False),
        sa.Column("key_digest", sa.String(length=64), nullable=False),
        sa.Column("body_digest", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=True),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_api_idempotency_keys_community_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_idempotency_keys_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_idempotency_keys")),
        sa.UniqueConstraint(
            "user_id", "key_digest", name=op.f("uq_api_idempotency_keys_user_id_key_digest")
        ),
    )


def downgrade() -> None:
    op.drop_table("api_idempotency_keys")
