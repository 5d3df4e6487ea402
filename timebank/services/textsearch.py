"""Text normalisation for search, shared by indexing and querying (pure, no database).

Arabic: diacritics (tashkeel U+064B–U+0652, superscript alef U+0670) and tatweel (U+0640)
are dropped; alef/hamza variants (أ إ آ ٱ) become ا, taa marbuta ة becomes ه and alef
maqsura ى becomes ي; hamza on a waw or yaa seat (ؤ ئ) loses its hamza. English and other
Latin text is case-folded and loses its accents. Arabic-Indic digits become Latin digits,
so "٣" finds "3"."""

from __future__ import annotations

import re
import unicodedata

_ARABIC_MAP = str.maketrans(
    {
        "\u0623": "\u0627",  # أ
        "\u0625": "\u0627",  # إ
        "\u0622": "\u0627",  # آ
        "\u0671": "\u0627",  # ٱ
        "\u0629": "\u0647",  # ة → ه
        "\u0649": "\u064a",  # ى → ي
        "\u0640": None,  # tatweel
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Eastern Arabic-Indic digits
    }
)
# Letters and digits of any script; everything else separates words.
_WORD = re.compile(r"[^\W_]+")
MAX_QUERY_TERMS = 8


def normalise(text: str | None) -> str:
    """Fold ``text`` so that spellings a reader considers the same compare equal."""
    if not text:
        return ""
    # Map the composed alef/hamza forms first: NFKD would otherwise split them into a
    # base letter plus a combining hamza, which the next step drops anyway.
    folded = unicodedata.normalize("NFKD", text.translate(_ARABIC_MAP).casefold())
    kept = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", kept.translate(_ARABIC_MAP))


def terms(text: str | None, limit: int = MAX_QUERY_TERMS) -> list[str]:
    """The distinct normalised words of a search box, in order, at most ``limit``."""
    seen: list[str] = []
    for word in _WORD.findall(normalise(text)):
        if word not in seen:
            seen.append(word)
        if len(seen) == limit:
            break
    return seen


# The Arabic definite article, alone or after a joined conjunction or preposition.
_ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")


def without_article(word: str) -> str | None:
    """``word`` without a leading definite article ("المستشفى" → "مستشفى"), or None."""
    for article in _ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= 3:
            return word[len(article) :]
    return None


def index_text(*parts: str | None) -> str:
    """What goes into a full-text index: the normalised words of ``parts``, space-joined.
    An Arabic word with the definite article is indexed with and without it, so
    "مستشفى" finds "المستشفى" (and "المستشفى" still finds itself)."""
    words: list[str] = []
    for part in parts:
        for word in _WORD.findall(normalise(part)):
            words.append(word)
            bare = without_article(word)
            if bare:
                words.append(bare)
    return " ".join(words)


def fts5_query(words: list[str]) -> str:
    """An FTS5 MATCH expression: every word, each as a quoted prefix (no operators leak
    through, since ``words`` hold only letters and digits)."""
    return " ".join(f'"{word}"*' for word in words)


def tsquery(words: list[str]) -> str:
    """A PostgreSQL ``to_tsquery('simple', …)`` expression: every word, as a prefix."""
    return " & ".join(f"{word}:*" for word in words)
