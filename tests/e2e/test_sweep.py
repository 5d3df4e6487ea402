"""The presentation sweep in the suite (tests/e2e/sweep.py): every GET page a visitor, a
member or a coordinator opens, in Arabic and English, loaded once per role and language
and measured at 375, 768 and 1280 px and at 360 px with 200 % text: no sideways
scrolling, no word broken though it would fit its box; axe-core at 375 px; on Arabic pages
no Latin interface word and no Latin digit. ``python -m tests.e2e.sweep`` runs axe at
every width too and writes the contact sheets."""

from __future__ import annotations

import pytest

from tests.e2e.sweep import LANGUAGES, ROLES, Site, serve_demo, sweep

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory) -> Site:
    folder = tmp_path_factory.mktemp("sweep")
    with serve_demo(f"sqlite:///{folder / 'sweep.sqlite3'}", str(folder)) as site:
        yield site


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_reads_well_at_every_width(role, lang, chromium, demo_site):
    findings = sweep(chromium, demo_site, role, lang)
    assert findings.pages >= 5, f"only {findings.pages} pages for {role}"
    assert not findings.problems, "\n".join(findings.problems)
