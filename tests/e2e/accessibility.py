"""axe-core in the browser: the accessibility check every journey runs on the pages it visits."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

# WCAG 2.0/2.1/2.2 A and AA, plus axe's best practices (landmarks, heading order, one h1),
# which the pages meet too.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_TAGS = [*WCAG_TAGS, "best-practice"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
_axe = Axe()


def _describe(violation: dict) -> str:
    lines = [f"- {violation['id']} ({violation['impact']}): {violation['help']}"]
    for node in violation["nodes"]:
        lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html']}")
        lines.append(f"       {node.get('failureSummary', '').replace(chr(10), ' ')}")
    return "\n".join(lines)


def violations(page: Page, options: dict = AXE_OPTIONS) -> list[str]:
    """axe-core's violations on the loaded page, each described with rule and elements."""
    page.wait_for_load_state("load")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_axe.axe_script)
    found = page.evaluate("options => axe.run(options).then(r => r.violations)", options)
    return [_describe(v) for v in found]


def check_accessible(page: Page, options: dict = AXE_OPTIONS) -> None:
    """Run axe-core on the page once it has loaded and fail on any violation, naming rule
    and element.

    It waits for the page's ``load`` event: after a click, the new page's URL and language
    can be seen before its stylesheet applies, and axe would measure unstyled links (a
    "target-size" failure seen once). axe-playwright-python's bundled axe-core is run by
    hand so only the violations (not every passing rule) travel back from the browser:
    half the time per page."""
    found = violations(page, options)
    report = "\n".join(found)
    assert not found, f"axe found WCAG violations on {page.url}:\n{report}"
