"""A token's last use is written at most once a minute (``tokens.STAMP_EVERY``), in a
short transaction of its own; checking the token only reads, so on SQLite an API read
does not take the database's write lock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from tests.api.test_api import _auth, _token
from tests.web.ledger_helpers import make_town
from timebank.database import transaction
from timebank.extensions import db
from timebank.models import ApiToken
from timebank.models.base import utcnow
from timebank.services.auth import tokens


@pytest.fixture
def town(app):
    return make_town(require_confirmation=False)


def _set_last_use(value) -> None:
    transaction(lambda: db.session.execute(update(ApiToken).values(last_used_at=value)))


def _last_use():
    db.session.expire_all()
    return db.session.scalar(select(ApiToken.last_used_at))


def test_the_last_use_is_written_once_a_minute(client, town):
    secret = _token(town.salma)
    assert client.get("/api/v1/me", headers=_auth(secret)).status_code == 200
    first = _last_use()
    assert first is not None and utcnow() - first < timedelta(seconds=30)

    recent = utcnow() - tokens.STAMP_EVERY + timedelta(seconds=20)
    _set_last_use(recent)
    assert client.get("/api/v1/me", headers=_auth(secret)).status_code == 200
    assert _last_use() == recent  # younger than a minute: left alone

    old = utcnow() - tokens.STAMP_EVERY - timedelta(seconds=1)
    _set_last_use(old)
    assert client.get("/api/v1/me", headers=_auth(secret)).status_code == 200
    assert _last_use() > old + timedelta(seconds=1)


def test_stamp_is_a_compare_and_set(app, town):
    secret = _token(town.salma)
    now = utcnow()
    token_id = transaction(lambda: tokens.authenticate(secret, now=now)).id
    assert transaction(lambda: tokens.stamp(token_id, now=now)) is True
    # A second request arriving together finds it written and writes nothing.
    assert transaction(lambda: tokens.stamp(token_id, now=now + timedelta(seconds=5))) is False
    assert _last_use() == now
    later = now + tokens.STAMP_EVERY
    token = db.session.get(ApiToken, token_id)
    assert tokens.stamp_due(token, now=later - timedelta(seconds=1)) is False
    assert tokens.stamp_due(token, now=later) is True
    assert transaction(lambda: tokens.stamp(token_id, now=later)) is True
    assert _last_use() == later


def test_an_api_read_with_a_recent_stamp_writes_nothing(client, town):
    """No UPDATE, and on SQLite no ``BEGIN IMMEDIATE`` (the write lock), for a GET whose
    token was used less than a minute ago."""
    secret = _token(town.salma)
    _set_last_use(utcnow())
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert client.get("/api/v1/me", headers=_auth(secret)).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert statements
    assert not [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert "BEGIN IMMEDIATE" not in statements
