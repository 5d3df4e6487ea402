"""``flask backup`` while members post exchanges, then ``flask restore`` into a new empty
database: the restored ledger verifies and holds every exchange acknowledged before the
backup began. A backup whose data or totals disagree with its manifest is refused."""

from __future__ import annotations

import json
import threading
import time
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from tests.conftest import BASE_CONFIG
from tests.databases import new_database
from tests.factories import World, make_community, make_member
from timebank import create_app
from timebank.database import transaction
from timebank.extensions import db
from timebank.models import Exchange, ExchangeStatus, Membership
from timebank.ops import backup as backups
from timebank.services.exceptions import Conflict
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.ledger import posting as ledger

WRITERS = 3
conflicts: list[int] = []


@pytest.fixture
def app_config():
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 10, "pool_pre_ping": True}}


@pytest.fixture
def empty_database(tmp_path):
    """A second, empty database on the same engine as the test's."""
    with new_database(tmp_path, "restore") as url:
        yield url


def _post_until(app, ids: tuple[int, int], writer: int, stop, acknowledged) -> None:
    """Record and confirm exchanges (posted) until ``stop``;
    each id goes into ``acknowledged`` only after its transaction committed."""
    first_id, second_id = ids
    with app.app_context():
        n = 0
        while not stop.is_set():
            n += 1
            one, two = db.session.get(Membership, first_id), db.session.get(Membership, second_id)
            provider, recipient = (one, two) if n % 2 else (two, one)

            def work(provider=provider, recipient=recipient, n=n):
                exchange = exchanges.record(
                    provider.community, actor=provider.user, provider=provider,
                    recipient=recipient, minutes=15 + writer, service_date=date.today(),
                    category="gardening", idempotency_key=f"load-{writer}-{n}",
                )  # fmt: skip
                exchanges.confirm(exchange, actor=recipient.user)
                assert exchange.status == ExchangeStatus.POSTED
                return exchange.id

            try:
                exchange_id = transaction(work)
            except Conflict:  # contention past the retries: never acknowledged
                conflicts.append(n)
                continue
            finally:
                db.session.remove()
            acknowledged.append((time.monotonic(), exchange_id))


def test_backup_during_posting_load_restores_every_acknowledged_exchange(
    app, runner, empty_database, tmp_path
):
    community = make_community(slug="home-bank")
    # Each writer trades between its own two members: the load is concurrent, not a
    # contest for the same two balances.
    pairs = [
        (make_member(community, password=None).id, make_member(community, password=None).id)
        for _ in range(WRITERS)
    ]
    ledger.ensure_accounts(community)
    db.session.commit()
    stop, acknowledged = threading.Event(), []
    writers = [
        threading.Thread(target=_post_until, args=(app, pairs[n], n, stop, acknowledged))
        for n in range(WRITERS)
    ]
    for thread in writers:
        thread.start()
    try:
        deadline = time.monotonic() + 60
        while len(acknowledged) < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
        began = time.monotonic()
        before = {exchange_id for moment, exchange_id in list(acknowledged) if moment < began}
        result = runner.invoke(args=["backup", str(tmp_path / "backup")])
        after_backup = len(acknowledged)
        time.sleep(0.2)  # the load goes on after the backup
    finally:
        stop.set()
        for thread in writers:
            thread.join(timeout=60)
    assert result.exit_code == 0, result.output
    print(
        f"backup under load: {len(before)} exchanges acknowledged before it began, "
        f"{len(acknowledged)} in all, {len(conflicts)} given up after retries"
    )
    assert len(before) >= 20 and len(acknowledged) > after_backup
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["engine"] == db.engine.dialect.name
    assert manifest["schema_revision"] and len(manifest["sha256"]) == 64

    restored = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": empty_database})
    restored.instance_path = str(tmp_path / "restored-instance")
    with restored.app_context():
        outcome = restored.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup")])
        assert outcome.exit_code == 0, outcome.output
        assert "the ledger verifies" in outcome.output
        posted = set(
            db.session.scalars(select(Exchange.id).where(Exchange.status == ExchangeStatus.POSTED))
        )
        assert before <= posted
        assert len(posted) == manifest["ledger_totals"]["communities"]["home-bank"]["exchanges"]
        db.session.commit()
        again = restored.test_cli_runner().invoke(args=["restore", str(tmp_path / "backup")])
        assert again.exit_code != 0 and "not empty" in again.output
        db.session.remove()
        db.engine.dispose()


def _tables(uri: str) -> list[str]:
    engine = sa.create_engine(uri)
    try:
        return sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def _restore(uri: str, folder, tmp_path):
    restored = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": uri})
    restored.instance_path = str(tmp_path / "restored-instance")
    with restored.app_context():
        outcome = restored.test_cli_runner().invoke(args=["restore", str(folder)])
        db.session.remove()
        db.engine.dispose()
    return outcome


def test_a_backup_whose_totals_differ_from_its_manifest_is_refused(
    app, runner, empty_database, tmp_path
):
    World().posted_exchange
    folder = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(folder)]).exit_code == 0
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["ledger_totals"]["communities"]["home-bank"]["minutes_moved"] += 60
    (folder / "manifest.json").write_text(json.dumps(manifest))

    outcome = _restore(empty_database, folder, tmp_path)
    assert outcome.exit_code != 0
    assert "Restore refused: the restored ledger totals differ" in outcome.output
    assert _tables(empty_database) == []  # left empty, ready for a good backup


def test_a_damaged_backup_file_is_refused_before_anything_is_written(
    app, runner, empty_database, tmp_path
):
    World().posted_exchange
    folder = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(folder)]).exit_code == 0
    data = folder / json.loads((folder / "manifest.json").read_text())["file"]
    with data.open("ab") as handle:
        handle.write(b"\0")
    outcome = _restore(empty_database, folder, tmp_path)
    assert outcome.exit_code != 0 and "checksum" in outcome.output
    assert _tables(empty_database) == []


def test_backup_refuses_a_folder_that_is_not_empty(runner, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "something").write_text("x")
    outcome = runner.invoke(args=["backup", str(tmp_path / "full")])
    assert outcome.exit_code != 0 and "not empty" in outcome.output
    assert backups.MANIFEST == "manifest.json"
