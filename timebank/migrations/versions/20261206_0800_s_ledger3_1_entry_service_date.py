"""entries carry their exchange's service date, indexed for statements

``entries.service_date`` (NOT NULL) is the date of the service of the entry's exchange,
written at posting, with the index ``ix_entries_account_service_date (account_id,
service_date, id)``: a statement page seeks in service-date order and sums the entries
beside it from that index, instead of reading an account's whole history.

Entries are append-only (triggers refuse UPDATE), so the backfill drops the append-only
triggers of ``entries``, copies each exchange's date, and creates the triggers again, all
inside the migration's transaction (both engines run DDL transactionally). On SQLite the
column is added nullable (``ALTER TABLE … ADD COLUMN`` cannot add a NOT NULL column
without a default) and made NOT NULL after the backfill by the procedure the SQLite
documentation gives for such changes (writable_schema, as in ``t_ledger_1``): recreating
``entries`` is not needed.

Revision ID: s_ledger3_1
Revises: p_hoods_2
Create Date: 2026-12-06 08:00:00

"""

from alembic import op

from timebank.models.triggers import drop_append_only, make_append_only

# revision identifiers, used by Alembic.
revision = "s_ledger3_1"
down_revision = "p_hoods_2"
branch_labels = None
depends_on = None

INDEX = "ix_entries_account_service_date"
NULLABLE = "service_date DATE"
NOT_NULL = "service_date DATE NOT NULL"


def _sqlite_not_null() -> None:
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'entries'"
    ).scalar_one()
    if NOT_NULL in sql:
        return
    if NULLABLE not in sql:
        raise RuntimeError("entries.service_date not found where ALTER TABLE puts it")
    head, _, tail = sql.rpartition(NULLABLE)
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'entries'",
        (head + NOT_NULL + tail,),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    drop_append_only("entries")
    op.execute("ALTER TABLE entries ADD COLUMN service_date DATE")
    if sqlite:
        op.execute(
            "UPDATE entries SET service_date = (SELECT exchanges.service_date FROM exchanges "
            "WHERE exchanges.id = entries.exchange_id)"
        )
    else:
        op.execute(
            "UPDATE entries SET service_date = exchanges.service_date FROM exchanges "
            "WHERE exchanges.id = entries.exchange_id"
        )
    missing = (
        op.get_bind().exec_driver_sql("SELECT count(*) FROM entries WHERE service_date IS NULL")
    ).scalar_one()
    if missing:  # pragma: no cover - a foreign key makes every entry's exchange exist
        raise RuntimeError(f"{missing} entries have no exchange to take a service date from")
    if sqlite:
        _sqlite_not_null()
    else:
        op.execute("ALTER TABLE entries ALTER COLUMN service_date SET NOT NULL")
    make_append_only("entries")
    op.create_index(INDEX, "entries", ["account_id", "service_date", "id"])
    if not sqlite:
        op.execute("ANALYZE entries")


def downgrade():
    op.drop_index(INDEX, table_name="entries")
    op.execute("ALTER TABLE entries DROP COLUMN service_date")
