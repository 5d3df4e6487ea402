"""With ``JOBS_REDIS_URL``: a commit puts the mail job on the Redis queue (the request
sends nothing), a worker sends it, a refused send schedules its retry, a Redis outage
loses nothing, and a worker killed mid-send leaves the message to the next run once.
Each test uses its own queue name (the key prefix), so parallel runs never collide."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.registry import ScheduledJobRegistry

from tests.factories import make_community, make_member
from tests.jobs.helpers import backoff_over, message, write_mail
from timebank.jobs import runner, tasks

REDIS_URL = "redis://127.0.0.1:6379/0"
ROOT = Path(__file__).resolve().parents[2]


def _redis_answers() -> bool:
    try:
        return bool(Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


pytestmark = pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379")
QUEUE = f"timebank-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def app_config() -> dict:
    return {"MAIL_SERVER": "smtp.test", "MAIL_USE_TLS": False, "MAIL_MAX_ATTEMPTS": 3,
            "JOBS_REDIS_URL": REDIS_URL, "JOBS_QUEUE": QUEUE}  # fmt: skip


@pytest.fixture
def queue(app):
    q = runner.queue()
    yield q
    connection = q.connection
    for key in connection.scan_iter(f"*{QUEUE}*"):
        connection.delete(key)
    q.delete(delete_jobs=True)


class BurstWorker(SimpleWorker):
    """The worker without its command channel (a pub/sub thread that can take a minute to
    stop at the end of a burst); nothing sends it commands here."""

    def subscribe(self) -> None:
        pass

    def unsubscribe(self) -> None:
        pass


def _work(queue: Queue) -> None:
    BurstWorker([queue], connection=queue.connection).work(burst=True)


def test_the_request_queues_and_the_worker_sends_once(app, smtp, queue):
    """The commit enqueues; nothing is sent until a worker runs; a second job sends no copy."""
    member = make_member(make_community())
    message_id = write_mail(member.user)
    assert smtp.sent == [] and queue.count == 1
    _work(queue)
    assert smtp.sent == ["Hello"] and message(message_id).sent_at is not None
    runner.enqueue("send_mail")
    _work(queue)
    assert smtp.sent == ["Hello"]


def test_a_refused_send_schedules_its_retry_on_the_queue(app, smtp, queue):
    """A refused attempt puts a retry on RQ's scheduler for when the backoff is over."""
    member = make_member(make_community())
    smtp.refuse = True
    message_id = write_mail(member.user)
    _work(queue)
    assert message(message_id).attempts == 1
    assert ScheduledJobRegistry(queue=queue).count == 1
    smtp.refuse = False
    backoff_over()
    runner.enqueue("send_mail")
    _work(queue)
    assert smtp.sent == ["Hello"]


def test_a_redis_outage_loses_no_mail(app, smtp, queue):
    """Redis not answering: the commit stands, the mail waits, the next sweep sends it."""
    member = make_member(make_community())
    app.config["JOBS_REDIS_URL"] = "redis://127.0.0.1:1/0"
    app.extensions.pop("timebank.jobs.redis", None)
    try:
        message_id = write_mail(member.user)
    finally:
        app.config["JOBS_REDIS_URL"] = REDIS_URL
        app.extensions.pop("timebank.jobs.redis", None)
    assert smtp.sent == [] and message(message_id).attempts == 0
    tasks.send_mail()
    assert smtp.sent == ["Hello"]


def test_a_worker_killed_mid_send_sends_once_later(app, smtp, queue, database_uri, tmp_path):
    """A real worker process is killed while the SMTP server keeps it waiting; after the
    lease the next run sends the message once, and no further run sends it again."""
    member = make_member(make_community())
    app.config["JOBS_REDIS_URL"] = "redis://127.0.0.1:1/0"  # keep it off the queue for now
    app.extensions.pop("timebank.jobs.redis", None)
    try:
        message_id = write_mail(member.user)
    finally:
        app.config["JOBS_REDIS_URL"] = REDIS_URL
        app.extensions.pop("timebank.jobs.redis", None)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts, never greets: the worker waits in the middle of the send
    runner.enqueue("send_mail")
    env = {
        **os.environ, "PYTHONPATH": str(ROOT), "TIMEBANK_DATABASE_URL": database_uri,
        "TIMEBANK_SECRET_KEY": "k" * 20 + "abcdefghijklmnop", "TIMEBANK_JOBS_REDIS_URL": REDIS_URL,
        "TIMEBANK_JOBS_QUEUE": QUEUE, "TIMEBANK_MAIL_SERVER": "127.0.0.1",
        "TIMEBANK_MAIL_PORT": str(silent.getsockname()[1]), "TIMEBANK_MAIL_USE_TLS": "false",
    }  # fmt: skip
    log = tmp_path / "worker.log"
    with log.open("wb") as stderr:
        worker = subprocess.Popen(
            [sys.executable, "-m", "timebank", "jobs", "worker", "--burst"],
            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while message(message_id).attempts == 0:
            assert worker.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, "the worker never claimed the message"
            time.sleep(0.2)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
        silent.close()
    killed = message(message_id)
    assert (killed.attempts, killed.sent_at, killed.error) == (1, None, None)
    assert tasks.send_mail() == 0  # the dead worker's lease still holds it
    backoff_over()  # the lease runs out
    assert tasks.send_mail() == 1
    assert tasks.send_mail() == 0
    assert smtp.sent == ["Hello"]
