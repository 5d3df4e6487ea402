"""The API's Idempotency-Keys are kept ``API_IDEMPOTENCY_RETENTION_DAYS`` days: the daily
``purge_idempotency_keys`` job deletes older ones, and a key it forgot creates anew."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.factories import make_user
from timebank.database import transaction
from timebank.extensions import db
from timebank.jobs import schedule, tasks
from timebank.models import ApiIdempotencyKey, utcnow
from timebank.services.auth import api_replays


def _claim(user, key: str, age: timedelta) -> None:
    def work():
        row = api_replays.claim(user, None, "listing.create", key.ljust(64, "0"), "b" * 64)
        row.created_at = utcnow() - age

    transaction(work)


def _keys() -> set[str]:
    db.session.expire_all()
    keys = db.session.scalars(select(ApiIdempotencyKey.key_digest)).all()
    db.session.commit()  # end the read, so the job may write (SQLite)
    return {key.rstrip("0") for key in keys}


def test_keys_older_than_the_retention_are_purged(app):
    user = make_user()
    _claim(user, "a", timedelta(days=8))
    _claim(user, "b", timedelta(days=7, minutes=1))
    _claim(user, "c", timedelta(days=6, hours=23))
    _claim(user, "d", timedelta(minutes=5))
    assert app.config["API_IDEMPOTENCY_RETENTION_DAYS"] == 7

    assert tasks.JOBS["purge_idempotency_keys"]() == 2
    assert _keys() == {"c", "d"}
    assert tasks.JOBS["purge_idempotency_keys"]() == 0  # run twice, does its work once
    assert _keys() == {"c", "d"}
    # A purged key is new again.
    assert api_replays.earlier(user, "a".ljust(64, "0")) is None


def test_the_retention_is_a_setting_and_the_job_is_scheduled(app):
    user = make_user()
    _claim(user, "e", timedelta(days=2))
    _claim(user, "f", timedelta(hours=1))
    app.config["API_IDEMPOTENCY_RETENTION_DAYS"] = 1
    assert tasks.JOBS["purge_idempotency_keys"]() == 1
    assert _keys() == {"f"}
    # A moment may be given, as for the other jobs (a catch-up run).
    later = (utcnow() + timedelta(days=2)).isoformat()
    assert tasks.JOBS["purge_idempotency_keys"](later) == 1
    assert _keys() == set()
    assert "purge_idempotency_keys" in {entry.job for entry in schedule.SCHEDULE}
