"""The look of the site that is not layout: icons and member avatars (issue 16).

Icons are Lucide's SVGs, vendored under ``static/icons/lucide`` (only those used) and
inlined into the page, so they take the text colour and cost no request; they are always
decorative (``aria-hidden``) and stand beside a visible or visually hidden text label.

An avatar is a member's initials in a coloured circle. The colour comes from a stable key
(the user's id), not the name, so it does not change when a name is corrected; every
colour of the palette carries white text at a contrast of at least 4.5:1 (WCAG AA)."""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

from flask import Flask
from markupsafe import Markup

ICON_FOLDER = Path(__file__).parent / "static" / "icons" / "lucide"
# Background colours for avatars, each dark enough for white text (tests check 4.5:1).
AVATAR_COLOURS = (
    "#0b5d4b",  # the brand's green
    "#1e4fa3",  # blue
    "#7a3b96",  # violet
    "#9a3412",  # rust
    "#0f6b7a",  # teal
    "#8a4b0f",  # amber brown
    "#9d174d",  # rose
    "#3f4b5e",  # slate
)
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_ZWNJ = "\u200c"  # keeps two Arabic initials from joining into a word


class UnknownIcon(LookupError):
    """A template asked for an icon that is not vendored."""


@cache
def _svg(name: str) -> str:
    if not re.fullmatch(r"[a-z0-9-]+", name):
        raise UnknownIcon(name)
    path = ICON_FOLDER / f"{name}.svg"
    if not path.is_file():
        raise UnknownIcon(name)
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S).strip()
    text = re.sub(r"\s+", " ", text).replace("> <", "><")
    opening, rest = text.split(">", 1)
    # Only the outer element's size and class are ours; shapes keep their own.
    opening = re.sub(r'\s(class|width|height)="[^"]*"', "", opening)
    opening = opening.replace(
        "<svg", '<svg class="icon" aria-hidden="true" focusable="false" width="1em" height="1em"', 1
    )
    return f"{opening}>{rest}"


def icon(name: str) -> Markup:
    """The icon ``name`` as inline SVG, hidden from assistive technology."""
    return Markup(_svg(name))  # noqa: S704 -- our own vendored files, read from disk


def _first_letter(word: str) -> str:
    """A word's initial; for an Arabic word with the article "ال" (al-), the letter after
    it, as people abbreviate names ("الحاج" → "ح")."""
    if _ARABIC.match(word) and word.startswith("ال") and len(word) > 3:
        word = word[2:]
    return next((ch for ch in word if ch.isalpha()), "")


def initials(name: str) -> str:
    """Up to two initials: of the first and the last word. Latin letters upper-case;
    Arabic ones kept apart (a zero-width non-joiner) so they read as letters, not a word."""
    letters = [_first_letter(w) for w in (name or "").split()]
    letters = [ch for ch in letters if ch]
    if not letters:
        return "?"
    chosen = [letters[0]] if len(letters) == 1 else [letters[0], letters[-1]]
    if any(_ARABIC.match(ch) for ch in chosen):
        return _ZWNJ.join(chosen)
    return "".join(chosen).upper()


def avatar_colour(key: object) -> int:
    """The palette index for ``key`` (a user id): the same on every page and process."""
    digest = hashlib.sha256(str(key).encode()).digest()
    return digest[0] % len(AVATAR_COLOURS)


def avatar(name: str, key: object, size: str = "") -> Markup:
    """A decorative avatar: put the name itself beside it. Its initials are the name's
    (user data), in the name's own direction."""
    classes = f"avatar avatar-{avatar_colour(key)}" + (f" avatar-{size}" if size else "")
    return Markup('<span class="{}" aria-hidden="true" dir="auto">{}</span>').format(
        classes, initials(name)
    )


# Top-level category key (the default tree's) → its icon; other keys get a tag.
CATEGORY_ICONS = {
    "companionship": "heart-handshake",
    "transport": "car",
    "shopping": "shopping-cart",
    "household": "house",
    "repairs": "wrench",
    "gardening": "sprout",
    "cooking": "utensils",
    "tutoring": "graduation-cap",
    "digital": "laptop",
    "paperwork": "file-text",
    "health": "heart-pulse",
    "childcare": "baby",
    "arts": "palette",
    "community": "users",
}


def category_icon(key: str | None) -> Markup:
    """The icon of a top-level category key (hidden from assistive technology: the
    category's name is always written beside it)."""
    return icon(CATEGORY_ICONS.get(key or "", "tag"))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(icon=icon, avatar=avatar, category_icon=category_icon)
