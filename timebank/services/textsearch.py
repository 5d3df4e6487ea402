"""Text normalisation for search, shared by indexing and querying (pure, no database).

Arabic: diacritics (tashkeel U+064B–U+0652, superscript alef U+0670) and tatweel (U+0640)
are dropped; alef/hamza variants (أ إ آ ٱ) become ا, taa marbuta ة becomes ه and alef
maqsura ى becomes ي; hamza on a waw or yaa seat (ؤ ئ) loses its hamza. English and other
Latin text is case-folded and loses its accents. Arabic-Indic digits become Latin digits,
so "٣" finds "3".

Search adds light Arabic stemming (Snowball's Arabic stemmer): each Arabic word is indexed
with its stem too, and each word of a query matches its own spelling, its spelling
without the article or its stem, so "الزيارة" finds "زيارة" and "زيارات". One module
serves every text lookup: the directory and listing search, and the member pickers
(``name_key``)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import snowballstemmer

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


def name_key(text: str | None) -> str:
    """A name as the member pickers compare it: its normalised words, space-joined and
    padded with a space on each side (so "%" + " " + key finds the start of a word)."""
    words = _WORD.findall(normalise(text))
    return f" {' '.join(words)} " if words else ""


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


_STEMMER = snowballstemmer.stemmer("arabic")
_ARABIC = re.compile(r"[\u0620-\u064a\u0671-\u06d3]")
# Joined conjunctions and prepositions the stemmer may strip from a word without article.
_JOINED = ("و", "ب", "ف", "ك", "ل")
MIN_STEM = 3


def _raw_words(text: str | None) -> list[str]:
    """The words of ``text`` before folding: marks and tatweel dropped, presentation forms
    decomposed, but taa marbuta, alef maqsura and hamza kept for the stemmer. Same word
    boundaries as ``normalise`` gives."""
    if not text:
        return []
    decomposed = unicodedata.normalize("NFKD", text.replace("\u0640", ""))
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _WORD.findall(unicodedata.normalize("NFC", kept))


@lru_cache(maxsize=4096)
def stems(word: str) -> tuple[str, ...]:
    """The normalised Snowball stems of one Arabic word (none for other scripts, or stems
    shorter than three letters). The stemmer strips the article's plural and feminine
    endings more reliably once an article is there, so a bare word is stemmed with
    "ال" before it; a word that may start with a joined particle (و ب ف ك ل) is also
    stemmed as it is."""
    if not _ARABIC.search(word):
        return ()
    candidates = [word] if without_article(word) else ["ال" + word]
    if not without_article(word) and word.startswith(_JOINED):
        candidates.append(word)
    found: list[str] = []
    for candidate in candidates:
        stem = normalise(_STEMMER.stemWord(candidate))
        if len(stem) >= MIN_STEM and _WORD.fullmatch(stem) and stem not in found:
            found.append(stem)
    return tuple(found)


@lru_cache(maxsize=16384)
def _forms(raw: str) -> tuple[str, ...]:
    """A word's forms: its normalised spelling, that spelling without the article, its
    stems (duplicates dropped, spelling first)."""
    word = normalise(raw)
    forms = [word]
    for form in (without_article(word), *stems(raw)):
        if form and form not in forms:
            forms.append(form)
    return tuple(forms)


def index_text(*parts: str | None) -> str:
    """What goes into a full-text index: the normalised words of ``parts``, space-joined.
    An Arabic word is indexed with and without its article and with its stems, so
    "مستشفى" finds "المستشفى" and "زيارة" finds "الزيارات"."""
    words: list[str] = []
    for part in parts:
        for raw in _raw_words(part):
            words.extend(_forms(raw))
    return " ".join(words)


def query_terms(text: str | None, limit: int = MAX_QUERY_TERMS) -> list[tuple[str, ...]]:
    """The distinct words of a search box (at most ``limit``), each with its other forms:
    a row matches when, for every word, one of its forms starts a word of the row."""
    seen: list[tuple[str, ...]] = []
    for raw in _raw_words(text):
        forms = _forms(raw)
        if forms[0] and forms[0] not in (group[0] for group in seen):
            seen.append(forms)
        if len(seen) == limit:
            break
    return seen


def _groups(words: Sequence[str | Sequence[str]]) -> list[Sequence[str]]:
    return [(word,) if isinstance(word, str) else word for word in words]


def fts5_query(words: Sequence[str | Sequence[str]]) -> str:
    """An FTS5 MATCH expression: every word (or one of its forms), each as a quoted prefix
    (no operators leak through, since forms hold only letters and digits)."""
    parts = []
    for group in _groups(words):
        quoted = " OR ".join(f'"{form}"*' for form in group)
        parts.append(f"({quoted})" if len(group) > 1 else quoted)
    return " AND ".join(parts) if any(len(g) > 1 for g in _groups(words)) else " ".join(parts)


def tsquery(words: Sequence[str | Sequence[str]]) -> str:
    """A PostgreSQL ``to_tsquery('simple', …)`` expression: every word (or one of its
    forms), as a prefix."""
    parts = []
    for group in _groups(words):
        alternatives = " | ".join(f"{form}:*" for form in group)
        parts.append(f"({alternatives})" if len(group) > 1 else alternatives)
    return " & ".join(parts)
