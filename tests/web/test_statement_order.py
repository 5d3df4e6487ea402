"""Statements read in the order of the services: a late-recorded exchange sits at its
service date, each line's balance follows that order, opening plus changes is closing;
the printable statement hides filters on paper; both languages."""

from __future__ import annotations

import itertools
import re
from datetime import date

import pytest

from tests.web.ledger_helpers import login, make_town
from timebank.extensions import db
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.ledger import member_statement

_keys = itertools.count(1)


def _record(town, provider, recipient, minutes, day):
    exchanges.record(
        town.community, actor=recipient.user, provider=provider, recipient=recipient,
        minutes=minutes, service_date=day, category="gardening",
        idempotency_key=f"order-{next(_keys):08d}",
    )  # fmt: skip


@pytest.fixture
def town(app):
    town = make_town(require_confirmation=False)
    _record(town, town.salma, town.omar, 60, date(2026, 11, 10))  # +60
    _record(town, town.omar, town.salma, 30, date(2026, 11, 20))  # −30
    _record(town, town.salma, town.grace, 45, date(2026, 11, 1))  # +45, recorded last
    db.session.commit()
    return town


def test_member_statement_is_in_service_date_order_with_consistent_balances(town):
    found = member_statement.statement(town.salma)
    assert [line.service_date.day for line in found.lines] == [1, 10, 20]
    assert [line.balance_after for line in found.lines] == [45, 105, 75]
    assert found.closing == found.opening + sum(line.delta for line in found.lines) == 75


def test_my_statement_page_lists_latest_service_first_with_running_balance(client, auth, town):
    login(auth, town.salma)
    page = client.get(town.url("hours/statement")).get_data(as_text=True)
    balances = re.findall(r'data-label="Balance after">([^<]+)<', page)
    assert [b.strip() for b in balances] == ["1 h 15 min", "1 h 45 min", "45 min"]


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_printable_statement_has_opening_and_closing_and_print_css(client, auth, town, locale):
    town.salma.user.locale = locale
    db.session.commit()
    login(auth, town.salma)
    response = client.get(town.url("hours/statement/print?start=2026-01-01"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    if locale == "en":
        assert "Opening balance" in page and "Closing balance" in page
        assert page.index("Opening balance") < page.index("Closing balance")
    else:
        assert "الرصيد الافتتاحي" in page and "١ س ١٥ د" in page
    assert 'class="period-form screen-only"' in page
    sheet = client.get("/static/css/site.css")
    css = sheet.get_data(as_text=True)
    sheet.close()
    printed = css[css.index("@page") :]  # the print rules for paper
    assert ".site-header" in printed.split("\n}")[0]  # menus left off paper
