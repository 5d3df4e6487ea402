"""Labels for what an exchange records: its category (from the community's category tree,
in the reader's language) and its kind, for pages, forms and the ``category`` template
filter; cached for the request on ``g``, so it belongs to the web edge, not to services."""

from __future__ import annotations

from flask import g
from flask_babel import lazy_gettext as _l

from timebank.i18n import current_language
from timebank.models import Community
from timebank.services.listings import categories

# Movements through the community pot carry this key (services.movements.POT_CATEGORY).
SPECIAL = {"community-pot": _l("Community pot")}
_DEFAULT_NAMES = {key: (en, ar) for key, en, ar in categories.DEFAULT_CATEGORIES}

KINDS = {
    "exchange": _l("Exchange"),
    "donation": _l("Gift to the community pot"),
    "grant": _l("Grant from the community pot"),
    "group": _l("Group exchange"),
    "settlement": _l("Settlement"),
    "reversal": _l("Reversal"),
}


def _community(community: Community | None) -> Community | None:
    return community if community is not None else g.get("community")


def names(community: Community | None = None) -> dict[str, str]:
    """Every category key of the community (retired ones too, for old records) with its
    name in the reader's language; cached for the request."""
    community = _community(community)
    if community is None:
        return {}
    cache = g.setdefault("_category_names", {})
    if community.id not in cache:
        language = current_language()
        cache[community.id] = {
            c.key: c.display_name(language)
            for c in categories.tree(community, include_retired=True)
        }
    return cache[community.id]


def label(key: str, community: Community | None = None) -> str:
    """The reader's name for a category key (the key itself if unknown)."""
    known = names(community).get(key)
    if known:
        return known
    if key in SPECIAL:
        return str(SPECIAL[key])
    if key in _DEFAULT_NAMES:
        en, ar = _DEFAULT_NAMES[key]
        return ar if current_language() == "ar" else en
    return key


def choices(community: Community | None = None) -> list[tuple[str, str]]:
    """Active categories a member can choose for a new exchange, in tree order."""
    community = _community(community)
    if community is None:
        return []
    language = current_language()
    return [(c.key, c.display_name(language)) for c in categories.tree(community)]


def all_keys(community: Community | None = None) -> list[str]:
    return [*names(community), *SPECIAL]


def kind_label(kind: str) -> str:
    text = KINDS.get(kind)
    return str(text) if text is not None else kind
