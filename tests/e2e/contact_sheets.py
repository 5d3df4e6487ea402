"""Contact sheets of the key pages, and the sweep's full matrix, outside the suite.

    python -m tests.e2e.contact_sheets            # docs/screenshots/<lang>-<width>.png
    python -m tests.e2e.contact_sheets --full     # also axe-core at every width, every page

The sheets show what a member and a coordinator see on the demo community, in Arabic and
English, on a 320-pixel phone and a 1280-pixel desktop: the top of each page (what a person
sees before scrolling), small enough to compare at a glance. Refresh them when pages change
and commit them with the change. ``--full`` prints every problem and exits 1 if any."""

from __future__ import annotations

import argparse
import html
import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from tests.conftest import compile_catalogues
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.e2e.sweep import (
    ACCOUNTS,
    LANGUAGES,
    ROLES,
    WIDTHS,
    Site,
    log_in,
    serve_demo,
    sweep,
)

ROOT = Path(__file__).resolve().parents[2]
SHEETS = ROOT / "docs" / "screenshots"
SHEET_WIDTHS = (320, 1280)
# (role, endpoint): the pages a funder, a member or a coordinator would be shown first.
KEY_PAGES = [
    ("visitor", "main.index"),
    ("member", "community.home"),
    ("member", "listings.browse"),
    ("member", "exchanges.record"),
    ("member", "exchanges.statement"),
    ("member", "notifications.index"),
    ("member", "companionship.index"),
    ("coordinator", "console.index"),
    ("coordinator", "console.members"),
    ("coordinator", "exchanges.queue"),
    ("coordinator", "console.audit_log"),
    ("coordinator", "safeguarding.index"),
    ("coordinator", "metrics.dashboard"),
    ("coordinator", "console.timesheet"),
]
VIEW_HEIGHT = {320: 640, 1280: 800}


def snap(browser: Browser, site: Site, lang: str, width: int, folder: Path) -> list[Path]:
    """The top of each key page in ``lang`` at ``width`` pixels, one PNG each."""
    site.set_language(lang)
    shots = []
    by_endpoint = {(t.role, t.endpoint): t.url for t in site.targets}
    for role in ROLES:
        pages = [by_endpoint[key] for key in KEY_PAGES if key[0] == role and key in by_endpoint]
        if not pages:
            continue
        context = browser.new_context(
            base_url=site.base_url, locale=lang,
            viewport={"width": width, "height": VIEW_HEIGHT[width]},
        )  # fmt: skip
        page = context.new_page()
        if role in ACCOUNTS:
            log_in(page, ACCOUNTS[role])
        for url in pages:
            page.goto(url)
            path = folder / f"{lang}-{width}-{len(shots):02d}.png"
            page.screenshot(path=path)
            shots.append(path)
        context.close()
    return shots


def sheet(browser: Browser, shots: list[Path], title: str, target: Path) -> None:
    """The screenshots side by side in a grid, rendered by the browser into one PNG."""
    cells = "".join(f'<img src="{p.as_uri()}" alt="">' for p in shots)
    column = 240 if shots and "-320-" in shots[0].name else 400
    document = (
        "<!doctype html><meta charset=utf-8><style>"
        "body{margin:12px;font:16px sans-serif;background:#fff}"
        f"div{{display:grid;grid-template-columns:repeat(auto-fill,minmax({column}px,1fr));"
        "gap:10px}img{inline-size:100%;border:1px solid #999}</style>"
        f"<h1>{html.escape(title)}</h1><div>{cells}</div>"
    )
    page_file = target.with_suffix(".html")
    page_file.write_text(document, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(page_file.as_uri())
    page.screenshot(path=target, full_page=True)
    page.close()
    page_file.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="run the whole matrix with axe")
    parser.add_argument("--out", type=Path, default=SHEETS)
    args = parser.parse_args(argv)
    compile_catalogues()
    args.out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="timebank-sheets-") as tmp,
        serve_demo(f"sqlite:///{tmp}/demo.sqlite3", tmp) as site,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        for lang in LANGUAGES:
            for width in SHEET_WIDTHS:
                shots = snap(browser, site, lang, width, Path(tmp))
                target = args.out / f"{lang}-{width}.png"
                sheet(browser, shots, f"{lang} · {width} px", target)
                print(
                    f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}"
                )
        if args.full:
            for lang in LANGUAGES:
                for role in ROLES:
                    found = sweep(browser, site, role, lang, axe_widths=WIDTHS)
                    print(f"{role} {lang}: {found.pages} pages, {len(found.problems)} problems")
                    problems += found.problems
        browser.close()
    print("\n".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
