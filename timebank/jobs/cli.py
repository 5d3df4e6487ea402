"""``timebank jobs worker | scheduler | run NAME | list``: the background work."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from rq import SimpleWorker

from timebank.jobs import runner, schedule, tasks


class Worker(SimpleWorker):
    """RQ's worker, in one process: no fork per job, so the app, its database pool and its
    context are made once (each job still gets its own app context and session,
    ``tasks.job``). On the way out it leaves its command channel's thread (a daemon) to end
    with the process: stopping it waits for the thread's 60-second sleep with redis-py 8."""

    def unsubscribe(self) -> None:
        pass


jobs = AppGroup("jobs", help="Background jobs: the queue's worker, the scheduler, one-off runs.")


@jobs.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run queued jobs (needs JOBS_REDIS_URL); also moves retries to the queue when due."""
    if runner.redis() is None:
        raise click.ClickException(
            "JOBS_REDIS_URL is not set: jobs run inside the web process (the embedded "
            "default), no worker is needed."
        )
    # One process, no fork per job: the app, its database pool and its context are made
    # once; each job still gets its own app context and session (``tasks.job``).
    SimpleWorker([runner.queue()], connection=runner.redis()).work(burst=burst, with_scheduler=True)


@jobs.command("scheduler")
def scheduler() -> None:
    """Run the timed jobs of ``timebank/jobs/schedule.py`` when due: onto the queue with
    Redis, in this process without."""
    mode = "the Redis queue" if runner.redis() is not None else "this process (no Redis)"
    click.echo(f"Scheduling {len(schedule.SCHEDULE)} jobs onto {mode}.")
    schedule.run()


@jobs.command("run")
@click.argument("name", type=click.Choice(sorted(tasks.JOBS)))
@click.option("--now", "now_text", default=None, help="Pretend it is this UTC moment (ISO 8601).")
@click.option("--queue", "queued", is_flag=True, help="Put it on the queue instead.")
def run(name: str, now_text: str | None, queued: bool) -> None:
    """Run one job now, in this process (or on the queue with --queue)."""
    from timebank.cli import parse_now

    args = [] if name in {"send_mail", "refresh_metrics"} else [parse_now(now_text)]
    if queued:
        runner.enqueue(name, *args)
        click.echo(f"{name} queued.")
        return
    result = runner.run_here(current_app._get_current_object(), name, *args)  # type: ignore[attr-defined]
    click.echo(f"{name}: {result}")


@jobs.command("list")
def list_jobs() -> None:
    """The schedule (UTC)."""
    for entry in schedule.SCHEDULE:
        click.echo(f"{entry.cron:<14} {entry.job:<18} {entry.why}")
