"""Lists on Arabic pages are joined the Arabic way (Babel's list patterns: "،", "و",
"أو"), never with a Latin comma: the approvals queue's facts of an exchange, the report
page's export formats. The queue's facts use a translated pattern (they are not an
"and" list)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.web.ledger_helpers import login, make_town
from tests.web.test_statement_order import _record
from timebank.extensions import db

LATIN_COMMA_AFTER_TEXT = re.compile(r"[^\s<>\"'=]+, [^<]")


def _visible(page: str) -> str:
    """The page's text outside tags, scripts and attribute values."""
    body = page.split("<main", 1)[1]
    return re.sub(r"<[^>]*>", "", body)


@pytest.fixture
def town(app):
    town = make_town(require_confirmation=False, approval_conditions="always")
    _record(town, town.salma, town.omar, 240, date(2026, 12, 4))
    db.session.commit()
    return town


@pytest.mark.parametrize(
    ("locale", "facts", "exports"),
    [
        ("ar", "٤ س، ", "CSV أو XLSX"),
        ("en", "4 h, ", "CSV or XLSX"),
    ],
)
def test_queue_and_exports_join_lists_the_readers_way(client, auth, town, locale, facts, exports):
    town.coordinator.user.locale = locale
    db.session.commit()
    login(auth, town.coordinator)
    queue = _visible(client.get(town.url("hours/queue")).get_data(as_text=True))
    reports = _visible(client.get(town.url("reports/")).get_data(as_text=True))
    assert facts in queue
    assert re.sub(r"\s+", " ", exports) in re.sub(r"\s+", " ", reports)
    if locale == "ar":
        assert not LATIN_COMMA_AFTER_TEXT.search(queue), LATIN_COMMA_AFTER_TEXT.search(queue)
        assert not LATIN_COMMA_AFTER_TEXT.search(reports), LATIN_COMMA_AFTER_TEXT.search(reports)
