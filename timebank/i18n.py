"""Language: the reader's choice (per user when logged in), else the browser's
``Accept-Language``; Arabic pages are right-to-left."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import flask_babel
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import (
    Babel,
    Domain,
    format_date,
    format_datetime,
    get_domain,
    get_locale,
    get_translations,
)
from flask_login import current_user
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

from timebank.services import languages

LANGUAGE_NAMES = {"en": "English", "ar": "العربية"}
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def select_locale() -> str:
    if not has_request_context():
        # Command line, background jobs, tests: a DomainError's message is still readable.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in languages:
        return str(chosen)
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def current_language() -> str:
    return str(languages.reader_locale() or "en")


def text_direction() -> str:
    locale = languages.reader_locale()
    return locale.text_direction if locale else "ltr"


def local_digits(value: object) -> str:
    """Numbers in the reader's digits (CLDR gives Latin digits for Arabic; we want ٠-٩)."""
    return languages.in_readers_digits(str(value))


def format_minutes(minutes: int | None) -> str:
    """A duration as the reader says it: "1 h 30 min" / "١ س ٣٠ د"."""
    return languages.duration(minutes)


def isolate(value: object) -> Markup:
    """A name or other user text inside a translated sentence, isolated so its own
    direction (Arabic in an English sentence, Latin in an Arabic one) cannot reorder the
    words and punctuation around it."""
    return Markup("<bdi>{}</bdi>").format(value)


def lang_of(code: str | None) -> Markup:
    """``lang`` and ``dir="auto"`` for text written in language ``code`` (a listing's, an
    announcement's), so a screen reader speaks it in its own voice (WCAG 3.1.2); only
    ``dir="auto"`` when the language is unknown."""
    if code and code in languages.SPOKEN_LANGUAGES and code != "other":
        return Markup(' lang="{}" dir="auto"').format(code)
    return Markup(' dir="auto"')


def by_language(text: str | None) -> Markup:
    """Text written in Arabic and English (a bilingual announcement), each part marked
    with its language and direction so it reads and is spoken the right way (WCAG 3.1.2);
    the separators between parts are left in the page's direction (the element around
    must not be ``dir="auto"``, which would take the first part's); text with no letters
    keeps ``dir="auto"``."""
    parts = languages.parts_by_language(text or "")
    if len(parts) == 1 and parts[0][1] is None:  # no letters: its own direction
        return Markup('<span dir="auto">{}</span>').format(parts[0][0])
    return Markup("").join(
        Markup('<span lang="{}" dir="{}">{}</span>').format(lang, _DIRECTIONS[lang], part)
        if lang
        else escape(part)  # a separator between parts, in the page's direction
        for part, lang in parts
    )


_DIRECTIONS = {"ar": "rtl", "en": "ltr"}


def spoken_language(code: str) -> str:
    """A language members speak, named in the reader's language."""
    return str(languages.SPOKEN_LANGUAGES.get(code, code))


def format_when(value: date | datetime | None, style: str = "medium") -> str:
    """A date, or a moment to the minute (never seconds): "6 Dec 2026, 05:46"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if style == "medium":
            return local_digits(format_datetime(value, _minutes_pattern()))
        return local_digits(format_datetime(value, style))
    return local_digits(format_date(value, style))


def _minutes_pattern() -> str:
    """The locale's medium date and short time joined its way (CLDR), without seconds."""
    locale = languages.reader_locale()
    if locale is None:
        return "d MMM y, HH:mm"
    joined = str(locale.datetime_formats["medium"])
    return joined.replace("{1}", str(locale.date_formats["medium"].pattern)).replace(
        "{0}", str(locale.time_formats["short"].pattern)
    )


def format_month(year_month: str, style: str = "LLLL y") -> str:
    """A "YYYY-MM" month as the reader names it: "October 2026" / "أكتوبر ٢٠٢٦"."""
    year, month = (int(part) for part in year_month.split("-"))
    return local_digits(format_date(date(year, month, 1), style))


def translations():
    """The context's translations, found once and kept beside its locale: flask-babel looks
    them up again for every string (a dozen context-local reads each; ~130 strings a page).
    Kept as (locale, translations), so ``force_locale`` and ``refresh``, which reset the
    locale and this same ``babel_translations`` slot, are honoured."""
    space = languages.babel_space()
    if space is None:
        return get_translations()
    kept = getattr(space, "babel_translations", None)
    if kept is not None and kept[0] is getattr(space, "babel_locale", None):
        return kept[1]
    found = Domain.get_translations(get_domain())
    space.babel_translations = (get_locale(), found)
    return found


class _Domain(Domain):
    """flask-babel's domain with its translations kept per context (``translations``):
    ``_()`` in Python code and ``_l()`` strings, when shown, find them in one read."""

    def get_translations(self):
        if self is _default_domain():
            return translations()
        return super().get_translations()


def _default_domain() -> Domain | None:
    space = languages.babel_space()
    return None if space is None else getattr(space, "babel_domain", None)


# The templates' translation functions: what jinja's i18n extension makes of ``gettext``
# and the others with ``newstyle`` (the same escaping, the same ``%`` formatting always),
# less its layers: one call into the context's translations, no ``_`` alias resolving
# ``gettext`` again through the context.
def _formatted(eval_ctx: EvalContext, rv: str, variables: dict[str, Any]) -> str:
    """As jinja's: the catalogue's text is trusted markup in an escaped template, and
    always a format string (so "%%" is "%" with or without variables)."""
    if eval_ctx.autoescape:
        rv = Markup(rv)  # noqa: S704 - our own catalogue, as jinja's i18n extension does
    return rv % variables


@pass_eval_context
def _t_gettext(eval_ctx: EvalContext, __string: str, **variables: Any) -> str:
    rv = translations().ugettext(__string)
    return _formatted(eval_ctx, rv, variables)


@pass_eval_context
def _t_ngettext(
    eval_ctx: EvalContext, __singular: str, __plural: str, __num: int, **variables: Any
) -> str:
    variables.setdefault("num", __num)
    rv = translations().ungettext(__singular, __plural, __num)
    return _formatted(eval_ctx, rv, variables)


@pass_eval_context
def _t_pgettext(eval_ctx: EvalContext, __string_ctx: str, __string: str, **variables: Any) -> str:
    variables.setdefault("context", __string_ctx)
    rv = translations().upgettext(__string_ctx, __string)
    return _formatted(eval_ctx, rv, variables)


@pass_eval_context
def _t_npgettext(
    eval_ctx: EvalContext,
    __string_ctx: str,
    __singular: str,
    __plural: str,
    __num: int,
    **variables: Any,
) -> str:
    variables.setdefault("context", __string_ctx)
    variables.setdefault("num", __num)
    rv = translations().unpgettext(__string_ctx, __singular, __plural, __num)
    return _formatted(eval_ctx, rv, variables)


def init_app(app: Flask, babel: Babel) -> None:
    babel.init_app(app, locale_selector=select_locale)
    if not isinstance(vars(babel).get("domain_instance"), _Domain):  # one per Babel
        babel.domain_instance = _Domain(domain=app.extensions["babel"].default_domain)
    # flask-babel finds its per-context namespace through three context-local proxies on
    # every ``get_locale``, ``get_domain`` and lazy string (~200 a page); the same
    # namespace, read straight from the application context (``languages.babel_space``).
    flask_babel._get_current_context = languages.babel_space
    app.jinja_env.add_extension("jinja2.ext.do")
    # flask-babel installed jinja's i18n extension with ``newstyle`` (``{% trans %}``
    # compiles to these same calls); its callables are replaced by the leaner ones above.
    app.jinja_env.globals.update(
        _=_t_gettext,
        gettext=_t_gettext,
        ngettext=_t_ngettext,
        pgettext=_t_pgettext,
        npgettext=_t_npgettext,
        current_language=current_language,
        text_direction=text_direction,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        lang_of=lang_of,
        spoken_language=spoken_language,
    )
    app.jinja_env.filters.update(
        minutes=format_minutes,
        when=format_when,
        month=format_month,
        digits=local_digits,
        bdi=isolate,
        by_language=by_language,
        join_list=languages.join_list,
        label=_label,
    )


def _label(key: object, group: str = "status") -> str:
    """A status (or other enum value) in the reader's words, from the one label table."""
    from timebank.services.reports.labels import label

    return label(group, getattr(key, "value", key))
