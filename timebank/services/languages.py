"""Languages members speak and write listings in (a short list that suits our members;
names are translated), and how numbers and durations read in the reader's language: the
same words on pages, in messages from services and in e-mails ("−8 h 20 min",
"−٨ س ٢٠ د"), never "-8:20"."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Literal

from babel import Locale
from babel.lists import format_list
from flask.globals import _cv_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

SPOKEN_LANGUAGES = {
    "ar": _l("Arabic"),
    "en": _l("English"),
    "fr": _l("French"),
    "he": _l("Hebrew"),
    "ku": _l("Kurdish"),
    "tr": _l("Turkish"),
    "ur": _l("Urdu"),
    "other": _l("Another language"),
}


def babel_space() -> SimpleNamespace | None:
    """flask-babel's per-context namespace (``g._flask_babel``: the locale, the domain, the
    translations), read straight from the application context. flask-babel's own
    ``_get_current_context`` does the same through three context-local proxies, and every
    ``get_locale``, ``gettext`` and lazy string calls it (a few hundred times a page)."""
    ctx = _cv_app.get(None)
    if ctx is None:
        return None
    space = ctx.g.__dict__.get("_flask_babel")
    if space is None:
        space = ctx.g._flask_babel = SimpleNamespace()
    return space


def reader_locale() -> Locale | None:
    """``flask_babel.get_locale()``, without its proxies once the locale is chosen."""
    space = babel_space()
    if space is None:
        return None
    locale = getattr(space, "babel_locale", None)
    return locale if locale is not None else get_locale()


ListStyle = Literal["standard", "or"]
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
MINUS = "\u2212"  # the minus sign, not a hyphen


_NEGATIVE = re.compile(r"(?<![\w.])-(?=\d)")


def in_readers_digits(text: str) -> str:
    """``text`` with Arabic-Indic digits for an Arabic reader (CLDR gives Latin ones), and
    a negative number's sign as the minus sign (U+2212), not a hyphen: "−4", never "-4"
    (a hyphen between digits, as in 2026-11-03, stays)."""
    text = _NEGATIVE.sub(MINUS, text)
    locale = reader_locale()
    return text.translate(_ARABIC_INDIC) if locale and locale.language == "ar" else text


def join_list(items, style: ListStyle = "standard") -> str:
    """Items joined the reader's way: "a, b and c" / "أ وب وج" (CLDR list patterns, of
    Babel's ``style``: "or" for alternatives); numbers among them in the reader's
    digits. Markup items (links) keep their markup and make the result Markup, the
    other items escaped. (A record's facts are not a list: a translated pattern.)"""
    words = list(items)
    if not words:
        return ""
    locale = reader_locale()
    code = str(locale) if locale else "en"
    if not any(isinstance(word, Markup) for word in words):
        return in_readers_digits(format_list([str(w) for w in words], style=style, locale=code))
    # The pattern with placeholders, then the items put in (the pattern escaped).
    holders = [f"\x00{index}\x00" for index in range(len(words))]
    pattern = format_list(holders, style=style, locale=code).split("\x00")
    return Markup("").join(
        (words[int(piece)] if isinstance(words[int(piece)], Markup)
         else escape(in_readers_digits(str(words[int(piece)]))))
        if odd else escape(piece)
        for odd, piece in ((i % 2 == 1, piece) for i, piece in enumerate(pattern))
    )  # fmt: skip


def duration(minutes: int | None) -> str:
    """A duration as the reader says it: "1 h 30 min", "−8 h 20 min", "١ س ٣٠ د"."""
    if minutes is None:
        return ""
    sign = MINUS if minutes < 0 else ""
    hours, mins = divmod(abs(int(minutes)), 60)
    if hours and mins:
        text = str(_l("%(h)d h %(m)d min", h=hours, m=mins))
    elif hours:
        text = str(_l("%(h)d h", h=hours))
    else:
        text = str(_l("%(m)d min", m=mins))
    return in_readers_digits(sign + text)


# Arabic script (Arabic, its supplement and presentation forms) and Latin letters: the
# two languages a bilingual notice is written in.
_ARABIC_LETTER = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u024f]")


def _script_of(char: str) -> str | None:
    if not char.isalpha():  # digits (Latin or Arabic-Indic), punctuation, spaces
        return None
    return "ar" if _ARABIC_LETTER.match(char) else "en" if _LATIN_LETTER.match(char) else None


# Between two parts: a separator ("·", "|", "/", a dash) with the spaces around it; else
# the spaces alone. What comes before it stays with the part it follows ("10", "!").
_SEPARATOR = re.compile(r"\s*[·•|/—–-]+\s*")
_SPACES = re.compile(r"\s+")


def parts_by_language(text: str) -> list[tuple[str, str | None]]:
    """``text`` cut where its script changes, each part with its language ("ar" for
    Arabic script, "en" for Latin letters): a bilingual announcement such as "Coffee at
    10 · صباح القهوة" gives [("Coffee at 10", "en"), (" · ", None), ("صباح القهوة",
    "ar")]. The separator between two parts (the last "·", "|", "/" or dash with its
    spaces, else the first spaces) belongs to neither (None: it reads in the page's
    direction); digits and punctuation before it stay with the part they follow, those
    at either end of the text with the part next to them. Text without letters of either
    script is one part of unknown language (None)."""
    runs: list[tuple[int, int, str]] = []  # (start, end, language) of each script's run
    for index, char in enumerate(text):
        lang = _script_of(char)
        if lang is None:
            continue
        if runs and runs[-1][2] == lang:
            runs[-1] = (runs[-1][0], index + 1, lang)
        else:
            runs.append((index, index + 1, lang))
    if not runs:
        return [(text, None)] if text else []
    parts: list[tuple[str, str | None]] = []
    start = 0
    for (_, end, lang), (following, _, _) in zip(runs, runs[1:], strict=False):
        gap = text[end:following]
        found = [*_SEPARATOR.finditer(gap)][-1:] or [*_SPACES.finditer(gap)][:1]
        cut, resume = (end + found[0].start(), end + found[0].end()) if found else (following,) * 2
        parts += [(text[start:cut], lang), (text[cut:resume], None)]
        start = resume
    parts.append((text[start:], runs[-1][2]))
    return [(part, lang) for part, lang in parts if part]
