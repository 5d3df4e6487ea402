from __future__ import annotations

import pytest

from tests.services.conftest import bank  # noqa: F401 - the ledger fixture
from tests.webhooks.receiver import start_receiver


@pytest.fixture
def receiver():
    receiver, server = start_receiver()
    yield receiver
    server.shutdown()
    server.server_close()
