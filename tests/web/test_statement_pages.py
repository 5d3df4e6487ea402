"""The statement, its CSV download and the approval queue: contents, formula-safe CSV,
and a number of SQL queries that does not grow with the ledger."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date

import pytest
from sqlalchemy import event, func, select

from tests.web.ledger_helpers import login, make_town, member
from timebank.extensions import db
from timebank.models import AuditEvent
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.exchanges import movements

_keys = itertools.count(1)


def _record(town, provider, recipient, minutes, description=None, actor=None):
    return exchanges.record(
        town.community, actor=(actor or recipient).user, provider=provider, recipient=recipient,
        minutes=minutes, service_date=date(2026, 11, 2), category="gardening",
        idempotency_key=f"stmt-{next(_keys):08d}", description=description,
    )  # fmt: skip


def _posted(town, count):
    """``count`` posted movements on Salma's account, both ways, with the other members."""
    others = [town.omar, town.grace]
    for i in range(count):
        other = others[i % 2]
        if i % 3 == 2:
            _record(town, other, town.salma, 5)
        else:
            _record(town, town.salma, other, 10)
    db.session.commit()


def _pending(town, count):
    for i in range(count):
        _record(town, town.salma, [town.omar, town.grace][i % 2], 15)
    db.session.commit()


def _queries(client, url) -> int:
    statements = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(statements)


# The header's counts are part of what must not grow: count them on every request.
@pytest.mark.parametrize("app_config", [{"NAVIGATION_CACHE_SECONDS": 0}])
def test_statement_query_count_does_not_grow(client, auth, app):
    """The statement page issues as many queries with 500 movements as with 10."""
    town = make_town(require_confirmation=False, default_credit_limit=100_000)
    _posted(town, 10)
    login(auth, town.salma)
    small = _queries(client, town.url("hours/statement"))
    _posted(town, 490)
    large = _queries(client, town.url("hours/statement"))
    last_page = _queries(client, town.url("hours/statement?page=20"))
    print(f"statement queries: 10 → {small}, 500 → {large}, page 20 → {last_page}")
    assert small == large == last_page


# The header's counts are part of what must not grow: count them on every request.
@pytest.mark.parametrize("app_config", [{"NAVIGATION_CACHE_SECONDS": 0}])
def test_queue_query_count_does_not_grow(client, auth, app):
    """The approval queue issues as many queries with 500 exchanges as with 10."""
    town = make_town(require_confirmation=False, approval_conditions="always")
    _pending(town, 10)
    login(auth, town.coordinator)
    small = _queries(client, town.url("hours/queue"))
    _pending(town, 490)
    large = _queries(client, town.url("hours/queue"))
    filtered = _queries(
        client, town.url(f"hours/queue?status=pending&member={town.omar.member_number}&page=3")
    )
    print(f"queue queries: 10 → {small}, 500 → {large}, filtered → {filtered}")
    assert small == large == filtered


# The header's counts are part of what must not grow: count them on every request.
@pytest.mark.parametrize("app_config", [{"NAVIGATION_CACHE_SECONDS": 0}])
def test_my_hours_query_count_does_not_grow(client, auth, app):
    """My hours issues as many queries with 500 pending exchanges as with 10."""
    town = make_town()
    _pending(town, 10)
    login(auth, town.omar)
    small = _queries(client, town.url("hours/"))
    _pending(town, 490)
    assert _queries(client, town.url("hours/")) == small


def test_statement_lists_movements_with_running_balance(client, auth, app):
    """Each posted movement shows its counterpart, signed duration and balance after."""
    town = make_town(require_confirmation=False)
    _record(town, town.salma, town.omar, 90)
    _record(town, town.grace, town.salma, 30)
    movements.donate(town.salma, actor=town.salma.user, minutes=15, idempotency_key="don-00001")
    db.session.commit()
    login(auth, town.salma)
    page = client.get(town.url("hours/statement")).get_data(as_text=True)
    assert "Omar Farouk" in page and "Grace Miller" in page and "Community pot" in page
    assert "+1 h 30 min" in page and "−30 min" in page and "45 min" in page


def test_empty_statement_says_what_to_do(client, auth, app):
    """Without movements the page explains how hours get there."""
    town = make_town()
    login(auth, town.grace)
    page = client.get(town.url("hours/statement")).get_data(as_text=True)
    assert "No hours have been posted yet" in page


def test_statement_in_arabic_uses_arabic_digits(client, auth, app):
    """An Arabic reader sees durations in Arabic-Indic digits."""
    town = make_town(require_confirmation=False)
    _record(town, town.salma, town.omar, 90)
    db.session.commit()
    town.salma.user.locale = "ar"
    db.session.commit()
    login(auth, town.salma)
    page = client.get(town.url("hours/statement")).get_data(as_text=True)
    assert 'dir="rtl"' in page and "١" in page


@pytest.fixture
def risky(app):
    town = make_town(require_confirmation=False)
    evil = member(town.community, '=HYPERLINK("http://x")')
    _record(town, town.salma, evil, 90, description="@SUM(A1:A9)")
    _record(town, town.omar, town.salma, 120, description="+ call me")
    db.session.commit()
    return town


def test_csv_download_is_formula_safe_and_audited(client, auth, risky):
    """Header and rows; formulas neutralised, numbers as numbers, a dated filename."""
    town = risky
    login(auth, town.salma)
    response = client.get(town.url("hours/statement.csv"))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    filename = f"statement-{town.slug}-{town.salma.member_number}-{date.today()}.csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Posted on" and rows[0][-2] == "Minutes"
    assert len(rows) == 3
    first, second = rows[1], rows[2]
    assert first[5] == '\'=HYPERLINK("http://x")' and first[7] == "'@SUM(A1:A9)"
    assert first[8] == "90" and first[9] == "90" and first[3] == "Exchange"
    assert second[5] == "Omar Farouk" and second[7] == "'+ call me"
    assert second[8] == "-120" and second[9] == "-30"
    assert second[6] == "Gardening"
    exports = db.session.scalar(select(func.count()).where(AuditEvent.action == "export.statement"))
    assert exports == 1
