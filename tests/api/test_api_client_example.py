"""examples/api_client.py works: against a live server (a thread serving the test app),
one member records an exchange, the other confirms it, and the statement reads back
through the cursor; a refused request is an ApiError carrying the problem details."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.web.ledger_helpers import make_town
from timebank.database import transaction
from timebank.extensions import db
from timebank.services.auth import tokens

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "api_client.py"


def _example():
    spec = importlib.util.spec_from_file_location("api_client", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def server(app):
    running = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{running.server_port}"
    running.shutdown()
    thread.join(timeout=5)


def _secret(membership) -> str:
    return transaction(
        lambda: tokens.create(membership.user, name="example", scopes=["read", "exchanges:write"],
                              expires_on=None)
    ).secret  # fmt: skip


def _town():
    """The town's slug, Salma's and Omar's membership ids and tokens; the test's session
    is closed so the server's threads are the only ones using the database."""
    town = make_town(require_confirmation=False)
    values = (town.slug, town.salma.id, town.omar.id, _secret(town.salma), _secret(town.omar))
    db.session.close()
    return values


def test_the_example_client_records_and_reads_a_statement(app, server):
    slug, salma, omar, salmas_token, omars_token = _town()
    client = _example().Client(server, omars_token)
    ids = []
    for number, minutes in enumerate((30, 45, 60)):
        recorded = client.record_exchange(
            slug, provider_id=salma, recipient_id=omar, minutes=minutes,
            category="gardening", key=f"example-{number:04d}",
        )  # fmt: skip
        assert recorded["status"] == "posted", recorded
        ids.append(recorded["id"])
    again = client.record_exchange(
        slug, provider_id=salma, recipient_id=omar, minutes=30, category="gardening",
        key="example-0000",
    )  # fmt: skip
    assert again["id"] == ids[0]
    lines = list(_example().Client(server, salmas_token).statement(slug, limit=2))
    assert [line["exchange_id"] for line in lines] == ids[::-1]
    assert [line["delta_hours"] for line in lines] == ["1.00", "0.75", "0.50"]


def test_the_example_client_raises_problems(app, server):
    slug, salma, omar, salmas_token, _ = _town()
    module = _example()
    client = module.Client(server, salmas_token, language="ar")
    with pytest.raises(module.ApiError) as refused:
        client.record_exchange(slug, provider_id=salma, recipient_id=omar, minutes=0,
                               category="gardening")  # fmt: skip
    assert refused.value.status == 422
    assert "minutes" in refused.value.problem["errors"]
    with pytest.raises(module.ApiError) as unknown:
        list(client.statement("no-such-place"))
    assert unknown.value.status == 404
