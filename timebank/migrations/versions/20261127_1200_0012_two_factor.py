"""two-factor sign-in: each user's TOTP secret and last accepted step, their single-use
recovery codes (hashed), and each community's sign-in settings

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 12:00:00

"""

import sqlalchemy as sa
from alembic import op

from timebank.models.base import UTCDateTime

# Columns with their CHECKs inline: SQLite's ALTER TABLE ADD/DROP COLUMN handles column
# constraints without rebuilding the table (which other tables reference).
USER_COLUMNS = [
    ("totp_secret", "VARCHAR(64)", None),
    (
        "totp_confirmed_at",
        "TIMESTAMP WITH TIME ZONE",
        ("totp_confirmed_has_secret", "totp_confirmed_at IS NULL OR totp_secret IS NOT NULL"),
    ),
    ("totp_last_step", "INTEGER", None),
]
COMMUNITY_COLUMNS = [
    ("require_two_factor", "BOOLEAN NOT NULL DEFAULT FALSE"),
    ("allow_remembered_devices", "BOOLEAN NOT NULL DEFAULT FALSE"),
]

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def _timestamp() -> str:
    # SQLite keeps UTC timestamps naive (models/base.py UTCDateTime), as DATETIME.
    return "DATETIME" if op.get_bind().dialect.name == "sqlite" else "TIMESTAMP WITH TIME ZONE"


def upgrade():
    for name, spec, check in USER_COLUMNS:
        spec = spec.replace("TIMESTAMP WITH TIME ZONE", _timestamp())
        constraint = f" CONSTRAINT ck_users_{check[0]} CHECK ({check[1]})" if check else ""
        op.execute(f"ALTER TABLE users ADD COLUMN {name} {spec}{constraint}")
    for name, spec in COMMUNITY_COLUMNS:
        op.execute(f"ALTER TABLE communities ADD COLUMN {name} {spec}")
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_recovery_codes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
        sa.UniqueConstraint(
            "user_id", "code_hash", name=op.f("uq_recovery_codes_user_id_code_hash")
        ),
    )
    op.create_index(
        op.f("ix_recovery_codes_user_id"), "recovery_codes", ["user_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_recovery_codes_user_id"), table_name="recovery_codes")
    op.drop_table("recovery_codes")
    for name, _spec in reversed(COMMUNITY_COLUMNS):
        op.execute(f"ALTER TABLE communities DROP COLUMN {name}")
    for name, _spec, _check in reversed(USER_COLUMNS):
        op.execute(f"ALTER TABLE users DROP COLUMN {name}")
