"""The jobs. Each runs in its own app context and session, commits through
``database.transaction`` and is idempotent: run twice, or twice at once, it sends one mail
and posts nothing twice (the outbox claim, ``digest_runs``, compare-and-set expiry, the
once-per-check reminder flag). A ``now`` argument (ISO 8601) lets an operator catch up
after an outage."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial, wraps
from typing import Any, TypeVar

from flask import Flask, current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from timebank.database import read_only, reading, transaction
from timebank.extensions import db
from timebank.jobs import runner
from timebank.models import OutboxMessage, utcnow
from timebank.services.messaging import digest, mail

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
JOBS: dict[str, Callable[..., Any]] = {}
_worker_app: Flask | None = None


def _app() -> Flask:
    """The app a job runs in: the current one (a command, the worker, the embedded
    runner), or one made for a worker process that has none."""
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _worker_app is None:
        from timebank import create_app

        _worker_app = create_app()
    return _worker_app


def job(fn: F) -> F:
    """Register ``fn`` as a job: run in a fresh app context (its own session, removed at
    the end), writing as a command does (``BEGIN IMMEDIATE`` on SQLite)."""

    @wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        token = read_only.set(False)
        try:
            with _app().app_context():
                return fn(*args, **kwargs)
        finally:
            read_only.reset(token)

    JOBS[fn.__name__] = run
    return run  # type: ignore[return-value]


def _moment(now: str | datetime | None) -> datetime | None:
    """``now`` as an aware UTC moment (UTC when the text names no zone)."""
    if isinstance(now, str):
        now = datetime.fromisoformat(now)
    if now is None:
        return None
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


@job
def send_mail() -> int:
    """Send every due message of the outbox (new ones and retries whose backoff is over);
    a failure is retried later (``mail.record_attempt``) and, with a queue, a retry job is
    scheduled for then. Without ``MAIL_SERVER`` the mail waits in the outbox."""
    if not current_app.config.get("MAIL_SERVER"):
        waiting = db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None)))
        db.session.rollback()
        log.info("%d messages kept in the outbox (no SMTP configured)", waiting)
        return 0
    sent = 0
    while True:
        batch = transaction(partial(mail.claim_due, now=utcnow()))
        if not batch:
            return sent
        for envelope in batch:
            error = mail.send(envelope)
            wait = transaction(partial(mail.record_attempt, envelope, error, now=utcnow()))
            sent += error is None
            if wait is not None:
                runner.later("send_mail", wait)


@job
def deliver_webhooks(now: str | datetime | None = None) -> int:
    """Post every due webhook delivery (new ones and retries whose backoff is over),
    signed; a failure is retried later (``deliveries.record_attempt``) and, with a queue,
    a retry job is scheduled for then. Returns how many were delivered."""
    from timebank.services.webhooks import deliveries

    moment = _moment(now)
    delivered = 0
    while True:
        batch = transaction(partial(deliveries.claim_due, now=moment or utcnow()))
        if not batch:
            return delivered
        for envelope in batch:
            code, error = deliveries.send(envelope)
            wait = transaction(
                partial(deliveries.record_attempt, envelope, code, error, now=moment or utcnow())
            )
            delivered += error is None
            if wait is not None:
                runner.later("deliver_webhooks", wait)


@job
def send_digest(now: str | datetime | None = None) -> digest.Summary:
    """The weekly digest: each member at most once per ISO week (``digest_runs``); each
    member's commit hands their e-mail to ``send_mail``."""
    moment = _moment(now) or utcnow()
    week = digest.week_of(moment)
    summary = digest.Summary()
    for user_id in digest.candidates(week):
        try:
            sent = transaction(partial(digest.send_for, user_id, week, moment))
        except IntegrityError:  # another run sent it meanwhile
            sent = False
        if sent:
            summary.sent += 1
        else:
            summary.skipped += 1
    return summary


@job
def expire_exchanges(now: str | datetime | None = None) -> int:
    """Expire exchanges left unconfirmed longer than their community allows."""
    from timebank.services.exchanges import lifecycle as exchanges

    return transaction(partial(exchanges.expire_pending, now=_moment(now)))


@job
def expire_listings(now: str | datetime | None = None) -> Any:
    """Expire listings whose time has run out; remind owners a few days before."""
    from timebank.services.listings import listings

    return transaction(partial(listings.expire_due, now=_moment(now)))


@job
def purge_idempotency_keys(now: str | datetime | None = None) -> int:
    """Forget the API's Idempotency-Keys older than ``API_IDEMPOTENCY_RETENTION_DAYS``."""
    from timebank.services.auth import api_replays

    days = int(current_app.config["API_IDEMPOTENCY_RETENTION_DAYS"])
    return transaction(partial(api_replays.purge, days=days, now=_moment(now)))


@job
def remind_checks(now: str | datetime | None = None) -> int:
    """Tell coordinators, once per check, of safeguarding checks about to expire."""
    from timebank.services.companionship import safeguarding

    return transaction(partial(safeguarding.remind_expiring, now=_moment(now)))


@job
def escalate_visits(now: str | datetime | None = None) -> Any:
    """Remind, offer to stand-ins and alert coordinators for planned companionship visits
    that were not logged (each step once per planned visit: compare-and-set)."""
    from timebank.services.companionship import escalation

    moment = _moment(now) or utcnow()
    total = escalation.Summary()
    for arrangement_id in transaction(escalation.due_arrangements):
        try:
            done = transaction(partial(escalation.escalate, arrangement_id, moment))
        except IntegrityError:  # another run made the same planned visit meanwhile
            continue
        for field in ("reminded", "offered", "alerted", "closed"):
            setattr(total, field, getattr(total, field) + getattr(done, field))
    return total


@job
def prepare_report(prepared_id: int | None = None) -> int:
    """Write the file of a report asked for in the background and tell its requester it
    is ready (without an id: every report still queued, which a Redis outage or a crash
    left). A second run writes the same file and tells no one again. Returns how many
    reports it made ready."""
    from timebank.services.reports import background

    ready = 0
    ids = [prepared_id] if prepared_id is not None else background.queued_ids()
    for one in ids:
        filename = background.write_file(one)
        if filename is not None:
            ready += transaction(partial(background.finish, one, filename))
    return ready


@job
def refresh_metrics() -> int:
    """Compute the dashboards' figures before anyone opens them (re-point this one line
    when the metrics service's refresh changes)."""
    from timebank.services.metrics import api

    with reading():
        return getattr(api, "refresh", _warm_dashboards)()


@job
def verify_ledger() -> int:
    """The nightly ledger check (``verify-ledger``): its result goes to the metrics endpoint
    and, when a community's ledger fails it, every installation admin is told (in the inbox
    and by e-mail, per their preferences). Returns the communities with problems."""
    from timebank.ops.observability import record_ledger_verification
    from timebank.services.ledger.verification import verify_all
    from timebank.services.messaging import notifications

    with reading():
        reports = verify_all()
        db.session.rollback()  # end the read before anything writes (SQLite)
    failed = [report for report in reports if not report.ok]
    record_ledger_verification(not failed, len(reports), len(failed))
    if failed:
        log.error("ledger check: %d of %d communities have problems", len(failed), len(reports))
        transaction(lambda: notifications.notify_site_admins("ledger_check_failed"))
    return len(failed)


def _warm_dashboards() -> int:
    """Until the metrics service has its own ``refresh``: open each community's dashboard
    on the current quarter, which computes and caches its figures."""
    from timebank.models import Community
    from timebank.services.metrics import api, periods

    today = utcnow().date()
    communities = db.session.scalars(select(Community).order_by(Community.id)).all()
    for community in communities:
        api.dashboard(community, periods.quarter_of(today))
    db.session.rollback()
    return len(communities)
