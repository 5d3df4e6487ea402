"""limits may be lowered below the balance: triggers refuse only movements towards a limit

The CHECKs ``balance_above_credit_limit`` and ``balance_below_upper_limit`` made an account
below a lowered limit illegal. They are replaced by triggers (timebank.models.limit_triggers)
that refuse a debit ending below the credit limit or a credit ending above the upper limit,
while an account already past a limit stays legal.

On SQLite the CHECKs are removed with the procedure the SQLite documentation gives for
removing CHECK constraints (writable_schema inside the migration's transaction): recreating
``accounts`` would fail with foreign keys on, since entries and exchanges refer to it.

Revision ID: t_ledger_1
Revises: t_notify_1
Create Date: 2026-12-06 06:00:00

"""

import re

from alembic import op

from timebank.models.limit_triggers import create_limit_triggers, drop_limit_triggers

# revision identifiers, used by Alembic.
revision = "t_ledger_1"
down_revision = "t_notify_1"
branch_labels = None
depends_on = None

CHECKS = {
    "ck_accounts_balance_above_credit_limit": "balance >= -credit_limit",
    "ck_accounts_balance_below_upper_limit": "upper_limit IS NULL OR balance <= upper_limit",
}


def _sqlite_rewrite(change) -> None:
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'accounts'"
    ).scalar_one()
    new_sql = change(sql)
    if new_sql == sql:
        return
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'accounts'",
        (new_sql,),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def _without_checks(sql: str) -> str:
    for name in CHECKS:
        sql = re.sub(rf",\s*CONSTRAINT {name} CHECK \((?:[^()]|\([^()]*\))*\)", "", sql)
    return sql


def _with_checks(sql: str) -> str:
    added = "".join(f",\n\tCONSTRAINT {name} CHECK ({body})" for name, body in CHECKS.items())
    head, _, tail = sql.rpartition(")")
    return head + added + "\n)" + tail


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rewrite(_without_checks)
    else:
        for name in CHECKS:
            op.drop_constraint(op.f(name), "accounts", type_="check")
    create_limit_triggers()


def downgrade():
    drop_limit_triggers()
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rewrite(_with_checks)
    else:
        for name, body in CHECKS.items():
            op.create_check_constraint(op.f(name), "accounts", body)
