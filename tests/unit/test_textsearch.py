"""Search normalisation: one pure function folds Arabic and English spellings."""

from __future__ import annotations

import pytest

from timebank.services.textsearch import (
    fts5_query,
    index_text,
    normalise,
    terms,
    tsquery,
    without_article,
)


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("مَدْرَسَة", "مدرسه"),  # tashkeel dropped, taa marbuta → haa
        ("مدرسه", "مدرسه"),
        ("أحمد", "احمد"),  # hamza above
        ("إسلام", "اسلام"),  # hamza below
        ("آمال", "امال"),  # madda
        ("ٱلقرآن", "القران"),  # wasla and madda
        ("مستشفى", "مستشفي"),  # alef maqsura → yaa
        ("عــــربي", "عربي"),  # tatweel
        ("رحمٰن", "رحمن"),  # superscript alef
        ("مسؤول", "مسوول"),  # hamza on waw
        ("ﻻ", "لا"),  # presentation form
        ("٣ ساعات", "3 ساعات"),  # Arabic-Indic digits
        ("۴", "4"),  # Eastern Arabic-Indic digits
        ("Café", "cafe"),
        ("ÉCOLE", "ecole"),
        ("Straße", "strasse"),
        ("naïve Zoë", "naive zoe"),
        ("ﬁle", "file"),  # ligature
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_table(raw, folded):
    """Each spelling folds to the same form as its plain counterpart."""
    assert normalise(raw) == folded


def test_terms_are_words_only_and_deduplicated():
    """Search words keep letters and digits only, once each, at most eight."""
    assert terms('  "Garden"* OR café; garden  ') == ["garden", "or", "cafe"]
    assert terms("a b c d e f g h i j") == list("abcdefgh")
    assert terms('" * ( ) : ^') == []


def test_queries_cannot_smuggle_operators():
    """The FTS5 and tsquery expressions quote every word as a prefix."""
    words = terms('NEAR(x y) title:"z" -a')
    assert fts5_query(words) == '"near"* "x"* "y"* "title"* "z"* "a"*'
    assert tsquery(["حديقه", "cafe"]) == "حديقه:* & cafe:*"


def test_index_text_adds_words_without_the_article():
    """Arabic words with the definite article are indexed both ways."""
    assert index_text("المستشفى", "Café") == "المستشفي مستشفي cafe"
    assert without_article("بالسيارة") == "سيارة"
    assert without_article("والبيت") == "بيت"
    assert without_article("الى") is None  # too short to be an article plus a word


def test_arabic_words_carry_their_stems():
    """Snowball's Arabic stemmer, folded like everything else: the article, plurals and
    the feminine ending go; short stems and other scripts give nothing."""
    from timebank.services.textsearch import stems

    assert stems("الزيارة") == stems("زيارة") == stems("زيارات") == ("زيار",)
    assert stems("garden") == ()
    assert index_text("الزيارات").split() == ["الزيارات", "زيارات", "زيار"]


def test_query_words_offer_their_forms_as_alternatives():
    from timebank.services.textsearch import name_key, query_terms

    groups = query_terms("الزيارة garden الزيارة")
    assert groups == [("الزياره", "زياره", "زيار"), ("garden",)]
    assert fts5_query(groups) == '("الزياره"* OR "زياره"* OR "زيار"*) AND "garden"*'
    assert tsquery(groups) == "(الزياره:* | زياره:* | زيار:*) & garden:*"
    assert name_key("  Mary-Ann  أحمد ") == " mary ann احمد "
    assert name_key("%_") == ""
