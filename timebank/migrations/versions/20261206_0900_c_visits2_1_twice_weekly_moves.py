"""twice-weekly visits on two agreed days, and planned visits moved to another day
(issue 19)

The frequency's CHECK gains "twice_weekly". On SQLite the CHECK is rewritten in place with
the procedure the SQLite documentation gives (writable_schema inside the migration's
transaction), as in t_ledger_1: rebuilding ``companionship_requests`` would trip the
foreign keys of the arrangements that refer to it.

Revision ID: c_visits2_1
Revises: s_ledger3_1
Create Date: 2026-12-06 09:00:00

"""

from alembic import op

revision = "c_visits2_1"
down_revision = "s_ledger3_1"
branch_labels = None
depends_on = None

CHECK = "ck_companionship_requests_companion_frequency"
OLD = ("once", "weekly", "fortnightly", "monthly")
NEW = (*OLD, "twice_weekly")


def _values(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _sqlite_check(values_from: tuple[str, ...], values_to: tuple[str, ...]) -> None:
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'companionship_requests'"
    ).scalar_one()
    new_sql = sql.replace(
        f"frequency IN ({_values(values_from)})", f"frequency IN ({_values(values_to)})"
    )
    if new_sql == sql:
        return
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' "
        "AND name = 'companionship_requests'",
        (new_sql,),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def _check(values_from: tuple[str, ...], values_to: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_check(values_from, values_to)
    else:
        op.drop_constraint(op.f(CHECK), "companionship_requests", type_="check")
        op.create_check_constraint(
            op.f(CHECK), "companionship_requests", f"frequency IN ({_values(values_to)})"
        )


def upgrade() -> None:
    _check(OLD, NEW)
    # Plain ADD COLUMN (inline constraints): SQLite keeps the tables others refer to.
    op.execute("ALTER TABLE companionship_arrangements ADD COLUMN visit_weekday2 SMALLINT")
    op.execute("ALTER TABLE companionship_planned_visits ADD COLUMN moved_to DATE")
    op.execute(
        "ALTER TABLE companionship_planned_visits ADD COLUMN moved_by_id INTEGER "
        "CONSTRAINT fk_companionship_planned_visits_moved_by_id_users REFERENCES users (id)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(
            "fk_companionship_planned_visits_moved_by_id_users",
            "companionship_planned_visits",
            type_="foreignkey",
        )
    op.execute("ALTER TABLE companionship_planned_visits DROP COLUMN moved_by_id")
    op.execute("ALTER TABLE companionship_planned_visits DROP COLUMN moved_to")
    op.execute("ALTER TABLE companionship_arrangements DROP COLUMN visit_weekday2")
    op.execute(
        "UPDATE companionship_requests SET frequency = 'weekly' WHERE frequency = 'twice_weekly'"
    )
    _check(NEW, OLD)
