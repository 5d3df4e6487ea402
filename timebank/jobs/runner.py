"""Where a job runs: on the Redis queue for ``timebank jobs worker`` when ``JOBS_REDIS_URL``
is set, else in this process. In a request, an in-process job runs once the response has
been sent (``call_on_close``), so no page waits on SMTP; from a command, at once.

Jobs are called by name (``tasks.JOBS``), never by reference, so the queue stores a path
and a worker needs nothing but the package."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Flask, Response, after_this_request, current_app, g, has_request_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry

from timebank.services.messaging import mail

log = logging.getLogger(__name__)
_CONNECTION = "timebank.jobs.redis"
# A job that raised (a database outage, a bug fixed by a deploy) is tried again this many
# seconds later, three times, before it lands in RQ's failed-job registry. Mail has its own
# retries, in the outbox (``mail.record_attempt``): a failed send does not raise.
RETRY_INTERVALS = [30, 300, 1800]
JOB_TIMEOUT = 3600


def init_app(app: Flask) -> None:
    app.extensions[mail.DISPATCH] = dispatch


def redis() -> Redis | None:
    """The queue's Redis connection (one per app), or None in the embedded mode."""
    url = current_app.config.get("JOBS_REDIS_URL")
    if not url:
        return None
    connection = current_app.extensions.get(_CONNECTION)
    if connection is None:
        connection = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        current_app.extensions[_CONNECTION] = connection
    return connection


def queue() -> Queue:
    connection = redis()
    if connection is None:
        raise RuntimeError("JOBS_REDIS_URL is not set: jobs run in-process")
    return Queue(current_app.config.get("JOBS_QUEUE") or "timebank", connection=connection)


def enqueue(name: str, *args: Any, delay: timedelta | None = None) -> None:
    """Put job ``name`` on the Redis queue (after ``delay``: the worker's scheduler moves
    it to the queue then). Raises ``RedisError`` when Redis does not answer."""
    target = f"timebank.jobs.tasks.{name}"
    options: dict[str, Any] = {
        "retry": Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
        "job_timeout": JOB_TIMEOUT,
        "description": name,
    }
    if delay is None:
        queue().enqueue(target, *args, **options)
    else:
        queue().enqueue_in(delay, target, *args, **options)


def dispatch(name: str, *args: Any) -> None:
    """Run job ``name`` after the commit that calls for it: queued when there is a queue,
    else in this process (after the response in a request). Never raises: the work it
    stands for is in the database already (mail in the outbox), and the scheduler's next
    sweep picks up what a Redis outage or a crash left."""
    if redis() is not None:
        try:
            enqueue(name, *args)
        except RedisError as exc:
            log.warning("job %s not queued (%s); the next scheduled run takes it", name, exc)
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if has_request_context() and not app.testing:
        waiting: set = g.setdefault("timebank_jobs_after_response", set())
        if (name, args) in waiting:
            return
        waiting.add((name, args))

        @after_this_request
        def _after_response(response: Response) -> Response:
            response.call_on_close(lambda: run_here(app, name, *args))
            return response

        return
    # Commands, jobs and tests: at once (tests read what was sent right after a request).
    run_here(app, name, *args)


def later(name: str, delay: timedelta) -> None:
    """Run job ``name`` again after ``delay`` (a mail retry): on the queue's scheduler when
    there is a queue; in the embedded mode the scheduler's regular sweep, or the next
    commit that writes mail, takes it."""
    if redis() is None:
        return
    try:
        enqueue(name, delay=delay)
    except RedisError as exc:
        log.warning("job %s not scheduled (%s); the next sweep takes it", name, exc)


def run_here(app: Flask, name: str, *args: Any) -> Any:
    """Run a job in this process, in its own app context and session; its failure is
    logged, never raised into the caller whose work is committed already."""
    from timebank.jobs import tasks

    with app.app_context():
        try:
            return tasks.JOBS[name](*args)
        except Exception:
            log.exception("job %s failed", name)
            return None
