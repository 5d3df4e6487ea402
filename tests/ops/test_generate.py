"""``python -m benchmarks generate`` (issue 15): a small generated set is a coherent ledger
(``verify-ledger`` passes), and the bulk load leaves the migrated schema exactly as it was:
``flask db check`` is clean, the append-only triggers refuse changes again, the full-text
index finds the listings. On the suite's engine (SQLite, or PostgreSQL with
``TIMEBANK_TEST_DATABASE_URL``)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from benchmarks import generate
from tests.conftest import BASE_CONFIG
from tests.databases import new_database
from timebank import create_app
from timebank.extensions import db


@pytest.fixture
def empty_url(tmp_path):
    with new_database(tmp_path, "generate") as url:
        yield url


def _scalar(sql: str):
    return db.session.execute(sa.text(sql)).scalar()


def test_generated_community_passes_verify_ledger(empty_url, tmp_path):
    result = generate.generate(empty_url, members=120, exchanges=6000, communities=2)
    assert result["ledger_ok"], result["problems"]
    rows = result["rows"]
    assert rows["listings"] == 1200 and rows["profiles"] == 120
    assert rows["entries"] > 10_000 and rows["companionship_visits"] > 0

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_url})
    app.instance_path = str(tmp_path)
    cli = app.test_cli_runner()
    verified = cli.invoke(args=["verify-ledger"])
    assert verified.exit_code == 0, verified.output
    assert "2 communities checked, 0 with problems" in verified.output
    checked = cli.invoke(args=["db", "check"])
    assert checked.exit_code == 0, (checked.output, checked.exception)

    with app.app_context():
        statuses = dict(db.session.execute(sa.text(
            "SELECT status, count(*) FROM exchanges GROUP BY status")).all())  # fmt: skip
        assert {"posted", "rejected", "cancelled", "recorded"} <= set(statuses)
        posted = _scalar("SELECT count(*) FROM exchanges WHERE status IN ('posted', 'reversed')")
        assert _scalar("SELECT sum(version) FROM metrics_stamps") == posted
        assert _scalar("SELECT count(*) FROM accounts WHERE kind = 'member' "
                       "AND last_exchange_on IS NULL") == 0  # fmt: skip
        assert _scalar("SELECT count(DISTINCT substr(CAST(service_date AS TEXT), 1, 7)) "
                       "FROM exchanges") >= 12  # fmt: skip
        # A visit day comes with its time, as the schedule form sets them (the arrangement's
        # page failed on a day without one).
        assert _scalar("SELECT count(*) FROM companionship_arrangements "
                       "WHERE visit_weekday IS NOT NULL AND visit_time IS NULL") == 0  # fmt: skip
        # Members and listings name places from their community's managed list (the member
        # home's "near you" and the browse filter read them by id).
        assert (
            _scalar(
                "SELECT count(*) FROM listings l JOIN neighbourhoods h "
                "ON h.id = l.neighbourhood_id AND h.community_id = l.community_id"
            )
            > 900
        )
        assert (
            _scalar(
                "SELECT count(*) FROM profiles p JOIN memberships m "
                "ON m.id = p.membership_id JOIN neighbourhoods h "
                "ON h.id = p.neighbourhood_id AND h.community_id = m.community_id"
            )
            > 90
        )
        if "service_date" in db.metadata.tables["entries"].c:
            assert not _scalar(
                "SELECT count(*) FROM entries e JOIN exchanges x ON x.id = e.exchange_id "
                "WHERE e.service_date <> x.service_date"
            )
        if db.engine.dialect.name == "sqlite":
            found = _scalar("SELECT count(*) FROM listings_fts WHERE listings_fts MATCH 'garden'")
        else:
            found = _scalar(
                "SELECT count(*) FROM listings "
                "WHERE search_vector @@ to_tsquery('simple', 'garden')"
            )
        assert found > 0
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.execute(sa.text("UPDATE entries SET delta = delta WHERE id = 1"))
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
