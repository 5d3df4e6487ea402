"""Entries carry their exchange's date of the service (migration s_ledger3_1): written at
posting, backfilled by the migration with the entries kept append-only, NOT NULL, and
checked by ``flask verify-ledger`` (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from tests.services.conftest import key
from timebank.extensions import db
from timebank.models import Entry, Exchange
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.exchanges import movements
from timebank.services.ledger.verification import verify_community

DAYS = (date(2026, 10, 3), date(2026, 9, 1), date(2026, 11, 20))


def _dates() -> dict[int, tuple[date, set[date]]]:
    """Each exchange with entries: its service date and its entries' dates."""
    found: dict[int, tuple[date, set[date]]] = {}
    rows = db.session.execute(
        select(Exchange.id, Exchange.service_date, Entry.service_date).join(
            Entry, Entry.exchange_id == Exchange.id
        )
    )
    for exchange_id, day, entry_day in rows:
        found.setdefault(exchange_id, (day, set()))[1].add(entry_day)
    return found


def _post_on_days(bank) -> None:
    for n, day in enumerate(DAYS):
        exchange = bank.record(bank.a, bank.b, 30 + n, service_date=day)
        exchanges.confirm(exchange, actor=bank.b.user)
        db.session.commit()
    movements.donate(bank.a, actor=bank.a.user, minutes=15, idempotency_key=key())
    db.session.commit()


def test_every_leg_is_dated_with_its_exchange(bank):
    """Exchanges, a donation and a reversal: both legs carry the exchange's date."""
    _post_on_days(bank)
    first = db.session.scalar(select(Exchange).where(Exchange.service_date == DAYS[0]))
    exchanges.reverse(first, actor=bank.coordinator.user, reason="Recorded twice")
    db.session.commit()
    found = _dates()
    assert len(found) == 5
    assert all(entry_days == {day} for day, entry_days in found.values())
    assert verify_community(bank.community).ok


def test_verify_ledger_reports_an_exchange_redated_behind_the_ledger(app, runner, bank):
    _post_on_days(bank)
    db.session.execute(
        text("UPDATE exchanges SET service_date = :day WHERE service_date = :was"),
        {"day": date(2026, 1, 1), "was": DAYS[1]},
    )
    db.session.commit()
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 1
    assert "2 entries have a service date that is not their exchange's" in result.output


def test_a_leg_without_a_service_date_is_refused(bank):
    exchange = bank.record(bank.a, bank.b, 30)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(
            text(
                "INSERT INTO entries (exchange_id, account_id, delta, balance_after, "
                "created_at) VALUES (:x, :a, 30, 30, '2026-11-01 10:00:00')"
            ),
            {"x": exchange.id, "a": bank.account(bank.a).id},
        )
    db.session.rollback()


def test_migration_backfills_dates_and_keeps_entries_append_only(bank):
    """Downgrade with entries in place, upgrade again: every entry gets its exchange's
    date, the column is NOT NULL with its index, and UPDATE and DELETE are still refused."""
    _post_on_days(bank)
    community_id = bank.community.id
    db.session.remove()
    downgrade(revision="o_reports_1")
    with db.engine.connect() as conn:
        assert "service_date" not in {c["name"] for c in sa.inspect(conn).get_columns("entries")}
    upgrade()
    with db.engine.connect() as conn:
        inspector = sa.inspect(conn)
        column = next(c for c in inspector.get_columns("entries") if c["name"] == "service_date")
        assert column["nullable"] is False
        indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("entries")}
        assert indexes["ix_entries_account_service_date"] == ["account_id", "service_date", "id"]
    found = _dates()
    assert len(found) == 4 and all(days == {day} for day, days in found.values())
    for statement in ("UPDATE entries SET delta = delta", "DELETE FROM entries"):
        with pytest.raises(sa.exc.DBAPIError), db.engine.begin() as conn:
            conn.execute(text(statement))
    community = db.session.get(type(bank.community), community_id)
    assert verify_community(community).ok
