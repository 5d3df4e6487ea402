"""The Arabic catalogue is complete and covers the code; Arabic pages are right-to-left."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import extract_messages

ROOT = Path(__file__).resolve().parent.parent.parent
CATALOGUE = ROOT / "timebank" / "translations" / "ar" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def _arabic():
    with CATALOGUE.open("rb") as handle:
        return read_po(handle, locale="ar")


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def test_every_message_has_an_arabic_translation():
    """Every msgid (and every plural form) has a non-empty Arabic translation."""
    catalogue = _arabic()
    missing = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if len(strings) != catalogue.num_plurals and isinstance(message.id, tuple):
            missing.append(f"{message.id[0]!r}: {len(strings)} of {catalogue.num_plurals} forms")
        elif not all(s and s.strip() for s in strings):
            missing.append(repr(_ids(message)[0]))
        elif message.fuzzy:  # a guess by `pybabel update`, not yet reviewed
            missing.append(f"{_ids(message)[0]!r} (fuzzy)")
    assert not missing, f"{len(missing)} untranslated messages: " + ", ".join(missing[:20])


def test_arabic_translations_keep_placeholders():
    """A translation uses exactly the placeholders of its English text."""
    broken = []
    for message in _arabic():
        if not message.id:
            continue
        english = set().union(*(_placeholders(i) for i in _ids(message)))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if not text:
                continue  # reported by the completeness test
            found = _placeholders(text)
            # A plural form may leave out the count (Arabic says "two hours" in one word).
            expected = english - {"num"} if isinstance(message.id, tuple) else english
            if not expected <= found <= english:
                broken.append(f"{_ids(message)[0]!r} → {text!r}")
    assert not broken, broken


def test_arabic_catalogue_passes_babels_checks():
    """Babel's own checks pass: format types match and plural forms are complete."""
    problems = [
        f"{_ids(message)[0]!r}: {'; '.join(map(str, errors))}"
        for message, errors in _arabic().check()
    ]
    assert not problems, problems


def test_catalogue_covers_every_message_in_the_code():
    """Babel's extraction over ``babel.cfg`` finds no message missing from the catalogue."""
    extracted = extract_messages()
    assert len(extracted) > 50  # the extraction really ran over code and templates
    known = {_ids(message)[0] for message in _arabic() if message.id}
    missing = {msgid: where for msgid, where in extracted.items() if msgid not in known}
    assert not missing, f"run `make extract-messages`; not in the catalogue: {missing}"


def _html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.get_data(as_text=True)).group(0)


@pytest.mark.parametrize("page", ["/", "/auth/login", "/auth/register", "/no-such-page"])
def test_arabic_browser_gets_right_to_left_pages(client, page):
    """``Accept-Language: ar`` gives ``<html lang="ar" dir="rtl">``."""
    response = client.get(page, headers={"Accept-Language": "ar,en;q=0.5"})
    assert _html_tag(response) == '<html lang="ar" dir="rtl">'


@pytest.mark.parametrize("page", ["/", "/auth/login", "/auth/register", "/no-such-page"])
def test_english_browser_gets_left_to_right_pages(client, page):
    """``Accept-Language: en`` (or none) gives ``<html lang="en" dir="ltr">``."""
    response = client.get(page, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert _html_tag(response) == '<html lang="en" dir="ltr">'
    assert _html_tag(client.get(page)) == '<html lang="en" dir="ltr">'


def test_switcher_turns_pages_right_to_left_and_back(browser, client):
    """The visible switcher overrides the browser's language, both ways."""
    english = {"Accept-Language": "en"}
    response = browser.post("/language", {"lang": "ar", "next": "/auth/login"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert _html_tag(client.get("/auth/login", headers=english)) == '<html lang="ar" dir="rtl">'
    browser.post("/language", {"lang": "en"})
    assert _html_tag(client.get("/auth/login", headers={"Accept-Language": "ar"})) == (
        '<html lang="en" dir="ltr">'
    )


def test_switcher_offers_the_other_language(client):
    """An English page offers العربية and an Arabic page offers English."""
    assert 'value="ar" lang="ar"' in client.get("/auth/login").get_data(as_text=True)
    arabic = client.get("/auth/login", headers={"Accept-Language": "ar"})
    assert 'value="en" lang="en"' in arabic.get_data(as_text=True)


def test_arabic_pages_load_the_compiled_catalogue(app):
    """Arabic requests translate with the compiled ``.mo`` (built by the session)."""
    from babel.support import Translations
    from flask_babel import get_translations

    assert CATALOGUE.with_suffix(".mo").exists()
    with app.test_request_context("/", headers={"Accept-Language": "ar"}):
        translations = get_translations()
        assert isinstance(translations, Translations)
        assert str(translations.files[0]).endswith("ar/LC_MESSAGES/messages.mo")
