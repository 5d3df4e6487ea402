"""Timed work, defined here and nowhere else (no operator crontab): which job runs when,
as cron expressions in UTC. ``timebank jobs scheduler`` runs it: with Redis, RQ's own cron
scheduler puts each job on the queue for the workers; without, a small loop runs the same
jobs in its own process. Every job is idempotent, so a second scheduler, a restart or a
catch-up run does no harm."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from croniter import croniter
from flask import Flask, current_app
from rq.cron import CronScheduler

from timebank.jobs import runner, tasks

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Entry:
    job: str
    cron: str  # minute hour day-of-month month day-of-week, UTC
    why: str


SCHEDULE = (
    Entry("send_mail", "* * * * *", "mail whose retry is due, and any a Redis outage left"),
    Entry("deliver_webhooks", "* * * * *", "webhook deliveries whose retry is due"),
    Entry("expire_exchanges", "15 * * * *", "unconfirmed exchanges past their deadline"),
    Entry("expire_listings", "30 2 * * *", "listings whose time ran out; owners' reminders"),
    Entry("purge_idempotency_keys", "45 2 * * *", "API Idempotency-Keys past their retention"),
    Entry("remind_checks", "0 7 * * *", "safeguarding checks expiring within 30 days"),
    Entry("send_digest", "0 8 * * 1", "the weekly digest, Monday morning"),
    Entry("escalate_visits", "5 * * * *", "planned companionship visits not logged"),
    Entry("prepare_report", "*/5 * * * *", "reports asked for in the background, left queued"),
    Entry("refresh_metrics", "*/15 * * * *", "the metrics dashboards' figures"),
    Entry("verify_ledger", "0 3 * * *", "the ledger check; admins are told of a failure"),
)


def with_redis() -> None:
    """Register the schedule with RQ's cron scheduler and run it until stopped."""
    connection = runner.redis()
    assert connection is not None
    scheduler = CronScheduler(connection=connection, name=f"timebank:{time.time_ns()}")
    queue_name = runner.queue().name
    for entry in SCHEDULE:
        scheduler.register(
            tasks.JOBS[entry.job], queue_name, cron=entry.cron, name=f"timebank.{entry.job}",
            job_timeout=runner.JOB_TIMEOUT,
        )  # fmt: skip
    scheduler.start()


def due(entry: Entry, last: datetime, now: datetime) -> bool:
    """Whether ``entry`` has a run time after ``last`` and at or before ``now``."""
    return croniter(entry.cron, last).get_next(datetime) <= now


def embedded(app: Flask, *, once: bool = False) -> None:
    """Without Redis: run each job in this process when its time comes (``once``: run
    every job now, one after the other, and stop)."""
    started = datetime.now(UTC)
    last = {entry.job: started for entry in SCHEDULE}
    while True:
        now = datetime.now(UTC)
        for entry in SCHEDULE:
            if once or due(entry, last[entry.job], now):
                last[entry.job] = now
                log.info("running %s", entry.job)
                runner.run_here(app, entry.job)
        if once:
            return
        time.sleep(max(1.0, 60 - datetime.now(UTC).second))


def run(*, once: bool = False) -> None:
    if runner.redis() is not None and not once:
        with_redis()
    else:
        embedded(current_app._get_current_object(), once=once)  # type: ignore[attr-defined]
