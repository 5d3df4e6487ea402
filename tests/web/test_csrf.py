"""Every POST route, found in ``app.url_map``, refuses a request without a CSRF token."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, World
from tests.web.test_access import EXEMPT_ENDPOINTS, ROUTES, _client_for, _url
from timebank.extensions import db

POST_ROUTES = [endpoint for endpoint, method in ROUTES if method == "POST"]

# What a person would type, so that only the missing token stands in the way.
PLAUSIBLE_FORM = {
    "email": "newcomer@example.org",
    "password": "a long and lovely sentence",
    "display_name": "New Comer",
    "current_password": PASSWORD,
    "new_password": "a long and lovely sentence",
    "community": "1",
    "motivation": "I can cook.",
    "reason": "We are full.",
    "lang": "ar",
    "next": "/",
    "slug": "new-bank",
    "name": "New Bank",
    "locale": "en",
    "role": "coordinator",
}


def _snapshot() -> dict[str, list]:
    db.session.expire_all()
    return {
        table.name: sorted(map(tuple, db.session.execute(select(table)).all()), key=repr)
        for table in db.metadata.sorted_tables
    }


def test_there_are_post_routes():
    """The generator finds the forms (a broken url_map walk would pass vacuously)."""
    assert len(POST_ROUTES) >= 8
    assert "static" in EXEMPT_ENDPOINTS


@pytest.mark.parametrize("endpoint", POST_ROUTES)
@pytest.mark.parametrize("who", [None, "site_admin", "coordinator"])
def test_post_without_csrf_token_is_refused(app, endpoint, who):
    """A POST without a token answers 400 with the error page and changes nothing."""
    world = World()
    url = _url(app, endpoint, world)
    browser = _client_for(app, world, who)
    before = _snapshot()
    response = browser.client.post(url, data=PLAUSIBLE_FORM)
    assert response.status_code == 400, (who, url)
    assert "The request could not be understood" in response.get_data(as_text=True)
    assert _snapshot() == before
