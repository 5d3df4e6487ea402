"""Data tables become cards on narrow screens: each cell carries its column's label
(data-label) in the reader's language; words never break inside; the paper timesheet
offers the categories as a choice; the queue's filters show their whole choice."""

from __future__ import annotations

import re

import pytest

from tests.web.ledger_helpers import login, make_town
from timebank.extensions import db


@pytest.fixture
def town(app):
    return make_town(require_confirmation=False)


def _css(client) -> str:
    sheet = client.get("/static/css/site.css")
    text = sheet.get_data(as_text=True)
    sheet.close()
    return text


def test_stylesheet_stacks_tables_and_never_breaks_inside_words(client):
    css = _css(client)
    assert "attr(data-label)" in css and ".table.stack" in css
    assert "overflow-wrap: anywhere" not in css.split(".table th, .table td")[1].split("}")[0]
    assert "margin-left" not in css and "padding-right" not in css  # logical properties only


@pytest.mark.parametrize(("locale", "label"), [("en", "Provider number"), ("ar", "رقم عضوية")])
def test_timesheet_is_a_grid_with_a_category_choice(client, auth, town, locale, label):
    town.coordinator.user.locale = locale
    db.session.commit()
    login(auth, town.coordinator)
    page = client.get(town.url("coordinator/timesheet")).get_data(as_text=True)
    assert 'class="table stack timesheet-table"' in page
    assert re.search(r'<select name="rows-0-category"[^>]*class="input"', page)
    assert 'value="gardening"' in page
    assert f'data-label="{label}' in page


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_statement_cells_carry_their_labels(client, auth, town, locale):
    from tests.web.test_statement_order import _record

    _record(town, town.salma, town.omar, 60, town_date())
    db.session.commit()
    town.salma.user.locale = locale
    db.session.commit()
    login(auth, town.salma)
    page = client.get(town.url("hours/statement")).get_data(as_text=True)
    assert 'class="table stack"' in page
    assert page.count("data-label=") >= 5


def town_date():
    from datetime import date

    return date(2026, 11, 3)
