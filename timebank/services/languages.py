"""Languages members speak and write listings in (a short list that suits our members;
names are translated)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

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
