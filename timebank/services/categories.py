"""The categories a member can choose when recording an exchange. The keys are what the
ledger stores (``common.check_category`` accepts any such key); the labels are translated
on the page. A category table per community comes later."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

CATEGORIES = {
    "companionship": _l("Companionship and visits"),
    "gardening": _l("Gardening"),
    "household": _l("Household help"),
    "shopping": _l("Shopping and errands"),
    "transport": _l("Transport and accompanying"),
    "repairs": _l("Repairs and DIY"),
    "cooking": _l("Cooking and meals"),
    "care": _l("Care and health support"),
    "learning": _l("Teaching and learning"),
    "technology": _l("Phones and computers"),
    "paperwork": _l("Letters and paperwork"),
    "workshop": _l("Workshop or group activity"),
    "other": _l("Other"),
}
# Movements through the community pot carry this key (services.movements.POT_CATEGORY).
SPECIAL = {"community-pot": _l("Community pot")}


def label(key: str) -> str:
    """The reader's label for a category key (the key itself if unknown)."""
    text = CATEGORIES.get(key) or SPECIAL.get(key)
    return str(text) if text is not None else key


def choices() -> list[tuple[str, str]]:
    return [(key, str(text)) for key, text in CATEGORIES.items()]


def all_keys() -> list[str]:
    return [*CATEGORIES, *SPECIAL]


KINDS = {
    "exchange": _l("Exchange"),
    "donation": _l("Gift to the community pot"),
    "grant": _l("Grant from the community pot"),
    "group": _l("Group exchange"),
    "settlement": _l("Settlement"),
    "reversal": _l("Reversal"),
}


def kind_label(kind: str) -> str:
    text = KINDS.get(kind)
    return str(text) if text is not None else kind
