"""Bad input never makes a server error, on any route in ``app.url_map``.

Each route is opened by the person entitled to it (the same generator as
``test_access``). A GET page is asked again with every name it can read — the names of its
own forms' fields and the query parameters the app's filters use — set to values a person
or a script might send: a number past 64 bits, a negative number, an overflowing float, an
Arabic-Indic digit, nothing at all, and 10 kB of text; first all names at once, then each
name alone with the 64-bit number. A POST route gets its form's fields (or the plausible
fields of ``test_csrf``) filled with each of those values. The answer may be a page, a
redirect, a field error, 400 or 404: never a 5xx, and never an exception."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from flask import Flask

from tests.factories import World
from tests.web.test_access import LEVELS, ROUTES, _client_for, _level, _url
from tests.web.test_csrf import PLAUSIBLE_FORM

BAD_VALUES = ["9223372036854775808", "-1", "1e9999", "٣", "", "x" * 10_240]
HUGE = BAD_VALUES[0]

# Query parameters the app's lists and filters read (besides the fields of each page's forms).
QUERY_NAMES = [
    "page", "q", "status", "member", "category", "date_from", "date_to", "object_id",
    "actor", "action", "kind", "period", "year", "quarter", "from", "next", "lang", "sort",
    "neighbourhood", "language", "format", "cursor", "after", "before", "role", "type",
    "listing", "membership", "start", "end", "compare", "show", "id", "ids",
]  # fmt: skip
# Fields whose value a browser never types: sending them garbled is a different test.
SKIPPED_FIELDS = {"csrf_token"}
FIELD_NAME = re.compile(r"""<(?:input|select|textarea)\b[^>]*\bname="([^"]+)\"""")


def _field_names(response) -> list[str]:
    if response.status_code != 200 or response.mimetype != "text/html":
        return []
    return sorted(set(FIELD_NAME.findall(response.get_data(as_text=True))) - SKIPPED_FIELDS)


def _entitled(level: str) -> str | None:
    return LEVELS[level][0]


def _check(browser, method: str, url: str, data: dict | None, problems: list[str]) -> None:
    what = f"{method} {url[:160]}" + (f" {sorted(data)[:8]}" if data else "")
    try:
        response = browser.client.get(url) if method == "GET" else browser.post(url, data)
    except Exception as error:  # noqa: BLE001 - every exception is the finding
        problems.append(f"{what}: {type(error).__name__}: {str(error)[:200]}")
        return
    if response.status_code >= 500:
        problems.append(f"{what}: HTTP {response.status_code}")


def _get_sweep(browser, url: str, problems: list[str]) -> None:
    first = browser.client.get(url)
    names = sorted(set(QUERY_NAMES) | set(_field_names(first)))
    base = url + ("&" if "?" in url else "?")
    for value in BAD_VALUES:
        _check(browser, "GET", base + urlencode(dict.fromkeys(names, value)), None, problems)
    for name in names:
        _check(browser, "GET", base + urlencode({name: HUGE}), None, problems)


def _post_sweep(browser, url: str, problems: list[str]) -> None:
    names = _field_names(browser.client.get(url)) or sorted(PLAUSIBLE_FORM)
    for value in BAD_VALUES:
        _check(browser, "POST", url, dict.fromkeys(names, value), problems)


@pytest.mark.parametrize(("endpoint", "method"), ROUTES, ids=[f"{m} {e}" for e, m in ROUTES])
def test_bad_input_is_never_a_server_error(app: Flask, endpoint: str, method: str):
    """Every GET filter and form field of every route, with every bad value: no 5xx."""
    world = World()
    url = _url(app, endpoint, world)
    browser = _client_for(app, world, _entitled(_level(app, endpoint)))
    problems: list[str] = []
    if method == "GET":
        _get_sweep(browser, url, problems)
    else:
        _post_sweep(browser, url, problems)
    assert problems == []


def test_the_sweep_sees_a_server_error(app: Flask):
    """The sweep itself: a route that overflows on a big number is reported."""

    def crashing():
        from flask import request

        if len(request.args.get("q", "")) > 100:
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        return "ok"

    app.add_url_rule("/sweep-probe", "sweep_probe", crashing)
    problems: list[str] = []
    _get_sweep(_client_for(app, World(), None), "/sweep-probe", problems)
    # Raised through (a test app propagates) or answered by the error page: either is found.
    assert any("OverflowError" in p or "HTTP 500" in p for p in problems), problems
