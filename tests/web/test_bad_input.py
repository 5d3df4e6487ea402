"""Hostile input at the edge (URL parts, login fields) answers 404 or a form message on
both engines, never a 500 from the database."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, World, make_community, make_user
from tests.web.test_access import LEVELS, ROUTES, _client_for, _level, _url
from tests.web.test_csrf import PLAUSIBLE_FORM


@pytest.mark.parametrize(
    "email", ["nul\x00byte@example.org", "esc\x1b@example.org", "x" * 300, " ", "ÄNNE@Example.org"]
)
def test_login_with_odd_email_gives_the_generic_message(auth, email):
    """Control characters, NUL bytes and over-long addresses fail like a wrong password."""
    response = auth.login(email, "whatever it may be")
    assert response.status_code == 200


@pytest.mark.parametrize("email", ["nul\x00byte@example.org", "İSTANBUL@example.org"])
def test_forgot_password_with_odd_email_is_not_an_error(auth, email):
    """Odd addresses on the forgotten-password form get a message or the usual answer."""
    response = auth.post("/auth/forgot", {"email": email})
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("path", ["/c/nul%00byte/", "/c/nul%00byte/members/", "/c/A/", "/c/x/"])
def test_malformed_community_address_is_404(auth, client, path):
    """A slug that cannot exist answers 404 (anonymous and logged in)."""
    assert client.get(path).status_code in (404, 302)
    make_user(email="admin@example.org", admin=True)
    auth.login("admin@example.org", PASSWORD)
    assert client.get(path).status_code == 404


def test_ids_beyond_the_database_range_are_404(auth, client):
    """An id too large for the database answers 404, not an overflow error."""
    community = make_community()
    make_user(email="admin@example.org", admin=True)
    auth.login("admin@example.org", PASSWORD)
    for path in (
        "/admin/communities/99999999999999999999999",
        "/admin/communities/2147483648",
        f"/c/{community.slug}/applicants/99999999999999999999/decline",
    ):
        assert client.get(path).status_code == 404, path
    response = auth.post(f"/c/{community.slug}/applicants/2147483648/approve", page="/account/")
    assert response.status_code == 404


GET_ROUTES = [endpoint for endpoint, method in ROUTES if method == "GET"]


@pytest.mark.parametrize("endpoint", GET_ROUTES)
def test_every_page_tolerates_junk_query_parameters(app, endpoint):
    """Absurd ``?page=`` values and stray parameters never turn a page into a 500."""
    world = World()
    url = _url(app, endpoint, world)
    allowed, _lacking = LEVELS[_level(app, endpoint)]
    browser = _client_for(app, world, allowed)
    expected = browser.client.get(url).status_code
    for query in (
        "page=99999999999999999999",
        "page=-1",
        "page=abc",
        "per_page=99999999999",
        "next=%00",
        "community=%00",
    ):
        response = browser.client.get(f"{url}?{query}")
        assert response.status_code == expected, (url, query, response.status_code)


POST_ROUTES = [endpoint for endpoint, method in ROUTES if method == "POST"]
JUNK = ["\x00", "a\x00b@example.org", "x" * 100_000, "\u202e\u2066", "İ" * 300, "", " ", "-1"]


@pytest.mark.parametrize("endpoint", POST_ROUTES)
def test_every_form_survives_junk(app, endpoint):
    """Every form answers junk in every field with a page or a redirect, never a 500."""
    world = World()
    url = _url(app, endpoint, world)
    allowed, _lacking = LEVELS[_level(app, endpoint)]
    browser = _client_for(app, world, allowed)
    for junk in JUNK:
        response = browser.post(url, dict.fromkeys(PLAUSIBLE_FORM, junk))
        assert response.status_code in (200, 302, 400), (url, repr(junk[:10]))
