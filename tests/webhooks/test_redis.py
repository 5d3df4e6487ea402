"""With ``JOBS_REDIS_URL``: the commit that writes a delivery puts ``deliver_webhooks`` on
the queue (nothing is sent before a worker runs), a worker delivers it, and a failure
schedules its retry on RQ's scheduler."""

from __future__ import annotations

import uuid

import pytest
from rq.registry import ScheduledJobRegistry

from tests.jobs.test_redis import REDIS_URL, _redis_answers, _work
from tests.webhooks.receiver import add_endpoint, deliveries
from tests.webhooks.test_delivery import _record
from timebank.jobs import runner

pytestmark = pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379")
QUEUE = f"timebank-test-hooks-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def app_config() -> dict:
    return {"JOBS_REDIS_URL": REDIS_URL, "JOBS_QUEUE": QUEUE}


@pytest.fixture
def queue(app):
    q = runner.queue()
    yield q
    for key in q.connection.scan_iter(f"*{QUEUE}*"):
        q.connection.delete(key)
    q.delete(delete_jobs=True)


def test_a_worker_delivers_and_schedules_the_retry(app, bank, receiver, queue):
    add_endpoint(bank.community, bank.coordinator.user, receiver.url)
    receiver.codes = [500]
    _record(bank)
    assert receiver.received == [] and queue.count >= 1
    _work(queue)
    (delivery,) = deliveries()
    assert (delivery.status, delivery.response_code) == ("pending", 500)
    assert ScheduledJobRegistry(queue=queue).count == 1
