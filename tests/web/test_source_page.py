"""The AGPL's offer to network users: every page's footer links to /source, which states the
licence and links to the source code when the operator set ``TIMEBANK_SOURCE_URL``."""

from __future__ import annotations

import pytest

from tests.conftest import BASE_CONFIG
from tests.factories import PASSWORD, make_community, make_member
from tests.web.test_untranslated import untranslated
from timebank import create_app

SOURCE = "https://git.example.org/old-town/timebank/-/tree/v0.2.0"
ARABIC = {"Accept-Language": "ar"}


def test_every_page_links_to_the_source_page_in_its_footer(client, browser):
    """Anonymous and signed-in pages, and error pages, carry the footer link."""
    community = make_community()
    member = make_member(community)
    for path in ("/auth/login", "/auth/register", "/source", "/no-such-page"):
        page = client.get(path).get_data(as_text=True)
        assert '<a href="/source">Source code and licence</a>' in page, path
    browser.login(member.user.email, PASSWORD)
    page = client.get(f"/c/{community.slug}/").get_data(as_text=True)
    assert '<a href="/source">Source code and licence</a>' in page


def test_source_page_states_the_licence_and_asks_operators_when_no_address_is_set(client):
    """Without SOURCE_URL the page names the licence and says to ask the operators."""
    response = client.get("/source")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "GNU Affero General Public License, version 3 or (at your option) any later" in page
    assert "Ask the people who run it" in page
    assert "Get the source code of this site" not in page
    assert 'href="https://www.gnu.org/licenses/agpl-3.0.html"' in page


def test_source_page_links_to_the_configured_address(app, client):
    """With SOURCE_URL set, the page links to it."""
    app.config["SOURCE_URL"] = SOURCE
    page = client.get("/source").get_data(as_text=True)
    assert f'<a href="{SOURCE}">Get the source code of this site</a>' in page
    assert "Ask the people who run it" not in page


def test_source_address_comes_from_the_environment(monkeypatch, tmp_path):
    """TIMEBANK_SOURCE_URL sets SOURCE_URL; unset, there is none."""
    config = {**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    monkeypatch.delenv("TIMEBANK_SOURCE_URL", raising=False)
    assert create_app(config).config["SOURCE_URL"] is None
    monkeypatch.setenv("TIMEBANK_SOURCE_URL", SOURCE)
    assert create_app(config).config["SOURCE_URL"] == SOURCE


def test_source_page_in_arabic(app, client):
    """The page and its link read in Arabic, right to left."""
    app.config["SOURCE_URL"] = SOURCE
    page = client.get("/source", headers=ARABIC).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert "<h1>الشيفرة المصدرية والرخصة</h1>" in page
    assert f'<a href="{SOURCE}">احصل على الشيفرة المصدرية لهذا الموقع</a>' in page


@pytest.mark.parametrize("source_url", [None, SOURCE])
def test_source_page_has_no_untranslated_text(
    database_uri, pseudo_arabic, fresh_translations, tmp_path, source_url
):
    """With the pseudo-Arabic catalogue, every text on the page went through it."""
    app = create_app(
        {
            **BASE_CONFIG,
            "SQLALCHEMY_DATABASE_URI": database_uri,
            "BABEL_TRANSLATION_DIRECTORIES": pseudo_arabic,
            "SOURCE_URL": source_url,
        }
    )
    app.instance_path = str(tmp_path)
    response = app.test_client().get("/source", headers=ARABIC)
    assert response.status_code == 200
    assert untranslated(response.get_data(as_text=True)) == []
