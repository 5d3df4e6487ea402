"""The embedded default (no Redis): jobs run in this process after the commit; a failed
send is retried with exponential backoff and given up after the last attempt; every job
run twice changes nothing the second time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import make_community, make_member
from tests.jobs.helpers import backoff_over, message, write_mail
from timebank.database import transaction
from timebank.demo import load_demo
from timebank.extensions import db
from timebank.jobs import runner, schedule, tasks
from timebank.models import AuditEvent, DigestRun, Notification, OutboxMessage, utcnow
from timebank.services.messaging import mail


@pytest.fixture
def app_config() -> dict:
    return {"MAIL_SERVER": "smtp.test", "MAIL_USE_TLS": False, "MAIL_MAX_ATTEMPTS": 3,
            "SQLITE_BUSY_TIMEOUT_MS": 2000}  # fmt: skip


def test_mail_goes_out_after_the_commit_and_a_second_run_sends_nothing(app, smtp):
    """The commit that wrote the mail sends it; running the job twice more sends no copy."""
    member = make_member(make_community())
    sent_id = write_mail(member.user, "Welcome")
    assert smtp.sent == ["Welcome"]
    assert tasks.send_mail() == 0
    assert tasks.send_mail() == 0
    assert smtp.sent == ["Welcome"]
    assert message(sent_id).sent_at is not None and message(sent_id).attempts == 1


def test_a_failed_send_is_retried_with_backoff_then_given_up(app, smtp):
    """Refused three times: tried again only when each doubled wait is over, then given
    up with the server's answer; nothing more is tried after that."""
    member = make_member(make_community())
    smtp.refuse = True
    before = utcnow()
    message_id = write_mail(member.user)
    first = message(message_id)
    assert (first.attempts, first.error, first.sent_at) == (1, None, None)
    assert timedelta(seconds=59) <= first.next_attempt_at - before <= timedelta(seconds=65)
    assert tasks.send_mail() == 0 and message(message_id).attempts == 1  # still waiting
    backoff_over()
    tasks.send_mail()
    second = message(message_id)
    assert second.attempts == 2
    assert second.next_attempt_at - utcnow() > timedelta(seconds=110)  # doubled: 120 s
    backoff_over()
    tasks.send_mail()
    given_up = message(message_id)
    assert given_up.attempts == 3 and given_up.next_attempt_at is None
    assert "SMTPServerDisconnected" in given_up.error
    smtp.refuse = False
    backoff_over()
    tasks.send_mail()
    assert smtp.sent == [] and message(message_id).sent_at is None


def test_a_worker_killed_mid_send_leaves_the_message_to_the_next_run_once(app, smtp):
    """A claim whose worker died holds the message until its lease runs out; then one
    run sends it, and a further run sends no copy."""
    member = make_member(make_community())
    smtp.refuse = True
    message_id = write_mail(member.user)
    backoff_over()
    smtp.refuse = False
    # The worker claims the message and is killed before it sends or records anything.
    (claimed,) = transaction(lambda: mail.claim_due(now=utcnow()))
    assert claimed.id == message_id and claimed.attempts == 2
    assert tasks.send_mail() == 0  # the lease still holds it: no second sender
    backoff_over()  # the lease runs out
    assert tasks.send_mail() == 1
    assert tasks.send_mail() == 0
    assert smtp.sent == ["Hello"]
    assert message(message_id).attempts == 3


def test_two_runs_at_once_claim_each_message_once(app, smtp):
    """Two senders that look at the same due messages: each message is claimed by one."""
    community = make_community()
    smtp.refuse = True
    ids = [write_mail(make_member(community).user, f"m{n}") for n in range(3)]
    backoff_over()
    now = utcnow()
    first = transaction(lambda: mail.claim_due(now=now))
    second = transaction(lambda: mail.claim_due(now=now))
    assert sorted(e.id for e in first) == ids and second == []


def test_without_smtp_mail_waits_in_the_outbox(app, smtp):
    """No MAIL_SERVER: nothing is tried, the message waits unclaimed for a server."""
    member = make_member(make_community())
    app.config["MAIL_SERVER"] = None
    message_id = write_mail(member.user)
    assert smtp.sent == [] and message(message_id).attempts == 0
    app.config["MAIL_SERVER"] = "smtp.test"
    assert tasks.send_mail() == 1 and smtp.sent == ["Hello"]


def test_a_failing_job_does_not_break_the_committed_work(app, monkeypatch):
    """The embedded runner logs a job's failure; the caller's commit stands."""

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setitem(tasks.JOBS, "send_mail", broken)
    member = make_member(make_community())
    message_id = write_mail(member.user)
    assert message(message_id).sent_at is None


def _counts() -> tuple[int, ...]:
    db.session.expire_all()
    counts = tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (OutboxMessage, Notification, AuditEvent, DigestRun)
    )
    db.session.commit()  # end the read, so the next job may write (SQLite)
    return counts


# When each job finds work in the demo data: exchanges and checks are due in 45 days,
# listings in 100; the digest finds this week's news now.
DAYS_LATER = {"expire_exchanges": 45, "remind_checks": 45, "expire_listings": 100,
              "send_digest": 0}  # fmt: skip


@pytest.mark.parametrize("name", sorted(tasks.JOBS))
def test_every_job_run_twice_does_its_work_once(app, smtp, name):
    """On the demo data, at a moment when its work is due: the second run of each job
    writes no mail, notification, audit event or digest, and sends nothing."""
    transaction(load_demo)
    args = ()
    if name in DAYS_LATER:
        args = ((utcnow() + timedelta(days=DAYS_LATER[name])).isoformat(),)
    before = _counts()
    tasks.JOBS[name](*args)
    after_first, sent = _counts(), list(smtp.sent)
    if name in DAYS_LATER:
        assert after_first != before, "the first run found nothing to do"
    tasks.JOBS[name](*args)
    assert _counts() == after_first
    assert smtp.sent == sent


def test_the_schedule_names_only_real_jobs_and_parses():
    """Every scheduled entry is a job, and its cron expression has a next time."""
    from croniter import croniter

    assert {entry.job for entry in schedule.SCHEDULE} == set(tasks.JOBS)
    for entry in schedule.SCHEDULE:
        assert croniter.is_valid(entry.cron), entry


def test_the_embedded_scheduler_runs_each_job(app, smtp, monkeypatch):
    """Without Redis, one pass of the scheduler runs every job in this process."""
    ran = []
    monkeypatch.setattr(runner, "run_here", lambda _app, name, *a: ran.append(name))
    schedule.embedded(app, once=True)
    assert sorted(ran) == sorted(tasks.JOBS)


def test_due_follows_the_cron_expression():
    """A daily 07:00 job is due once 07:00 has passed since the last run."""
    from datetime import UTC, datetime

    entry = schedule.Entry("remind_checks", "0 7 * * *", "")
    last = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)
    assert not schedule.due(entry, last, datetime(2026, 12, 6, 6, 59, tzinfo=UTC))
    assert schedule.due(entry, last, datetime(2026, 12, 6, 7, 0, tzinfo=UTC))
