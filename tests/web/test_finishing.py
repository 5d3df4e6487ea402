"""Finishing touches, in both languages: moments to the minute, the minus sign, lists
joined the reader's way, plural messages, durations on charts, a login error without a
field prefix."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from timebank.i18n import format_when, local_digits
from timebank.services import languages

MOMENT = datetime(2026, 12, 6, 5, 46, 49, tzinfo=UTC)


@pytest.mark.parametrize(("locale", "expected"), [("en", "5:46"), ("ar", "٥:٤٦")])
def test_moments_have_no_seconds(app, locale, expected):
    with app.test_request_context(), force_locale(locale):
        shown = format_when(MOMENT)
    assert expected in shown and "49" not in shown and "٤٩" not in shown


@pytest.mark.parametrize(("locale", "expected"), [("en", "−4"), ("ar", "−٤")])
def test_negative_numbers_use_the_minus_sign(app, locale, expected):
    with app.test_request_context(), force_locale(locale):
        assert local_digits(-4) == expected
        assert local_digits("2026-11-03").count("-") == 2  # a date keeps its hyphens


@pytest.mark.parametrize(("locale", "expected"), [("en", "a, b, and c"), ("ar", "a وb وc")])
def test_lists_are_joined_the_readers_way(app, locale, expected):
    with app.test_request_context(), force_locale(locale):
        assert languages.join_list(["a", "b", "c"]) == expected


def test_plural_messages(app):
    from flask_babel import ngettext

    with app.test_request_context(), force_locale("en"):
        one = ngettext("%(num)s exchange was recorded.", "%(num)s exchanges were recorded.", 1)
    with app.test_request_context(), force_locale("ar"):
        two = ngettext("%(num)s exchange was recorded.", "%(num)s exchanges were recorded.", 2)
    assert one == "1 exchange was recorded." and two == "سُجِّل تبادلان."


@pytest.mark.parametrize(("locale", "duration"), [("en", "1 h 30 min"), ("ar", "١ س ٣٠ د")])
def test_hour_charts_label_durations(app, locale, duration):
    from timebank.services.metrics import charts

    with app.test_request_context(), force_locale(locale):
        assert charts._duration(1.5) == duration


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_login_error_has_no_field_prefix(auth, locale):
    auth.post("/language", {"lang": locale})
    page = auth.login("nobody@example.org", "wrong-password-1").get_data(as_text=True)
    summary = page.split('class="error-summary"')[1].split("</ul>")[0]
    assert "Password:" not in summary and "كلمة المرور:" not in summary


@pytest.mark.parametrize(("locale", "expected"), [("en", "3 rows were imported."),
                                                  ("ar", "٣")])  # fmt: skip
def test_route_messages_count_in_the_readers_digits(app, locale, expected):
    from timebank.console import routes_tools

    class Result:
        created = 3

    with app.test_request_context(), force_locale(locale):
        assert expected in routes_tools._imported(Result())  # type: ignore[arg-type]
        assert routes_tools._recorded([object()])  # type: ignore[list-item]
