"""The templates' translation functions (``timebank.i18n``) give what jinja's own i18n
extension gives with ``newstyle``: the same text, escaping and ``%`` formatting, in the
reader's language, and they follow ``force_locale``."""

from __future__ import annotations

import jinja2
import pytest
from flask import render_template_string
from flask_babel import force_locale, get_translations, lazy_gettext
from flask_babel import gettext as py_gettext
from jinja2.ext import InternationalizationExtension

SOURCE = (
    '{{ _("Log out") }}|{{ _("100%% sure") }}|{{ _("No member has the number %(n)s.", n=v) }}'
    '|{{ ngettext("No member has the number %(n)s.", "No member has the numbers %(n)s.", 3,'
    " n=v) }}|{{ gettext(\"Home\") }}|{{ pgettext('menu', 'Home') }}"
    "|{{ npgettext('menu', 'Home', 'Homes', 2) }}"
    "|{% trans %}Log out{% endtrans %}|{% trans count=2 %}one {{ count }}{% pluralize %}"
    "{{ count }} of them{% endtrans %}"
)


def _jinja_reference(autoescape: bool) -> jinja2.Template:
    """The same source rendered by jinja's i18n extension over the request's catalogue."""
    env = jinja2.Environment(extensions=[InternationalizationExtension], autoescape=autoescape)
    env.install_gettext_translations(get_translations(), newstyle=True)  # type: ignore[attr-defined]
    return env.from_string(SOURCE)


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("autoescape", [True, False])
def test_templates_translate_as_jinjas_extension_does(app, language, autoescape):
    value = "<b>7</b>"
    with app.test_request_context("/", headers={"Accept-Language": language}):
        ours = app.jinja_env.overlay(autoescape=autoescape).from_string(SOURCE).render(v=value)
        reference = _jinja_reference(autoescape).render(v=value)
    assert ours == reference
    assert ("&lt;b&gt;7&lt;/b&gt;" in ours) is autoescape
    assert ("تسجيل الخروج" in ours) is (language == "ar")


def test_a_forced_locale_is_honoured_in_templates_code_and_lazy_strings(app):
    later = lazy_gettext("Log out")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string('{{ _("Log out") }}') == "Log out"
        with force_locale("ar"):
            assert render_template_string('{{ _("Log out") }}') == "تسجيل الخروج"
            assert py_gettext("Log out") == str(later) == "تسجيل الخروج"
        assert render_template_string('{{ _("Log out") }}') == "Log out"
        assert py_gettext("Log out") == str(later) == "Log out"


def test_outside_a_request_strings_stay_in_english(app):
    assert str(lazy_gettext("Log out")) == "Log out"
    with app.app_context():
        assert py_gettext("Log out") == "Log out"
