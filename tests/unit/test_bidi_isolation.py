"""User text inside translated sentences is isolated for bidirectional text."""

from timebank.i18n import by_language, isolate
from timebank.services.languages import parts_by_language


def test_a_name_is_isolated_and_escaped():
    """A name is wrapped in <bdi> so its direction cannot reorder the sentence, and any
    markup in it is escaped."""
    assert str(isolate("ليلى <b>")) == "<bdi>ليلى &lt;b&gt;</bdi>"


def test_a_bilingual_announcement_is_marked_per_part():
    """An announcement written in English and Arabic is cut where the script changes; each
    part carries its language and direction (WCAG 3.1.2), its text escaped; the separator
    between them belongs to neither part and reads in the page's direction."""
    text = "Coffee at 10 · صباح القهوة & <>"
    assert parts_by_language(text) == [
        ("Coffee at 10", "en"),
        (" · ", None),
        ("صباح القهوة & <>", "ar"),
    ]
    assert str(by_language(text)) == (
        '<span lang="en" dir="ltr">Coffee at 10</span> · '
        '<span lang="ar" dir="rtl">صباح القهوة &amp; &lt;&gt;</span>'
    )
    assert parts_by_language("١٠:٣٠") == [("١٠:٣٠", None)]
    assert str(by_language("10")) == '<span dir="auto">10</span>'
    assert parts_by_language("") == []


def test_punctuation_between_parts_stays_with_its_part_and_the_separator_with_neither():
    """A part's own punctuation ("!", a closing bracket, a colon) stays with it; only the
    separator (or, without one, the spaces) between two languages is left out of both."""
    assert parts_by_language("Coffee morning! صباح القهوة!") == [
        ("Coffee morning!", "en"),
        (" ", None),
        ("صباح القهوة!", "ar"),
    ]
    assert parts_by_language("السوق: Market (Saturday) / سوق السبت") == [
        ("السوق:", "ar"),
        (" ", None),
        ("Market (Saturday)", "en"),
        (" / ", None),
        ("سوق السبت", "ar"),
    ]
    assert parts_by_language("Open day — يوم مفتوح — 5") == [
        ("Open day", "en"),
        (" — ", None),
        ("يوم مفتوح — 5", "ar"),
    ]
    assert parts_by_language("Repair-café") == [("Repair-café", "en")]
