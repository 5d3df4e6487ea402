"""What the sweep measures on a loaded page: sideways scrolling, words broken across lines
though they would fit their box, accessibility (axe-core), larger text, and on Arabic
pages the Latin words and digits the interface itself shows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page

from tests.e2e.accessibility import violations

# Text that is not the interface's own: marked as another language, isolated user data
# (<bdi>, dir="auto"), code, hidden text.
_OTHER_TEXT = (
    "script, style, noscript, template, svg, code, kbd, samp, pre, bdi, [dir=auto], "
    "[hidden], .visually-hidden, textarea"
)

_BROKEN_WORDS = """(skip) => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  const tokens = /\\S+/g;
  const parts = /[^\\-\\u2010\\u2011\\u2013\\u2014\\/]+/g;
  const width = (node, start, end) => {
    range.setStart(node, start);
    range.setEnd(node, end);
    return [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
  };
  let node;
  while ((node = walker.nextNode())) {
    const parent = node.parentElement;
    if (!parent || !node.data.trim() || parent.closest(skip)) continue;
    let box = parent;
    while (box.parentElement && ['inline', 'contents'].includes(getComputedStyle(box).display)) {
      box = box.parentElement;
    }
    const style = getComputedStyle(box);
    // Text directly in a flex or grid container sits in an anonymous box of unknown width.
    if (/flex|grid/.test(style.display) && box.children.length) continue;
    const room = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    let token;
    tokens.lastIndex = 0;
    while ((token = tokens.exec(node.data))) {
      const whole = width(node, token.index, token.index + token[0].length);
      if (whole.length < 2) continue;
      // A token wider than its box (a long address) has to break somewhere.
      if (whole.reduce((sum, r) => sum + r.width, 0) > room - 1) continue;
      let part;
      parts.lastIndex = 0;
      while ((part = parts.exec(token[0]))) {
        const start = token.index + part.index;
        const rects = width(node, start, start + part[0].length);
        if (rects.length < 2) continue;
        const tops = rects.map(r => r.top);
        const lineHeight = Math.min(...rects.map(r => r.height));
        if (Math.max(...tops) - Math.min(...tops) < lineHeight / 2) continue;
        const natural = rects.reduce((sum, r) => sum + r.width, 0);
        const where = box.tagName.toLowerCase() + (box.className ? '.' + box.className : '');
        const sizes = `${Math.round(natural)} px word, ${Math.round(room)} px box`;
        found.push(`"${part[0]}" in ${where} (${sizes})`);
      }
    }
  }
  return found;
}"""

_INTERFACE_TEXT = """(skip) => {
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const parent = node.parentElement;
    if (!parent || !node.data.trim() || parent.closest(skip)) continue;
    const marked = parent.closest('[lang]');
    if (marked && !marked.lang.startsWith('ar')) continue;
    if (!parent.getClientRects().length) continue;
    texts.push(node.data.trim());
  }
  for (const el of document.querySelectorAll('input[placeholder], input[type=submit]')) {
    const marked = el.closest('[lang]');
    if (marked && !marked.lang.startsWith('ar')) continue;
    texts.push(el.getAttribute('placeholder') || el.value || '');
  }
  return texts;
}"""

# On Arabic pages, Latin letters may still stand for: e-mail and web addresses, file
# formats, encodings, standards and HTTP headers by their names, commands and file paths
# an operator types, and the licence's proper name.
ALLOWED_LATIN = re.compile(
    r"[\w.+-]+@[\w-]+(\.[\w-]+)+"
    r"|https?://\S+|\b[\w-]+(\.[\w-]+)*\.(org|com|net|example|md)\b"
    r"|\b(PDF|CSV|XLSX|ICS|JSON|API|OpenAPI|iCalendar|TOTP|HTTPS?|URL|SVG|WCAG|AGPL|ID|zip|ZIP)\b"
    r"|\bUTF-8\b|\bWindows\b|\b(Authorization|Bearer|Idempotency-Key)\b"
    r"|\b[a-z]+(-[a-z]+)+\b|\b[\w-]+/[\w./-]+"
    r"|GNU Affero General Public License"
)
# User data inside a translated sentence, isolated with FSI … PDI (``isolate`` in i18n).
ISOLATED = re.compile("\u2068[^\u2069]*\u2069")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
LATIN_DIGIT = re.compile(r"[0-9]")


_BROKEN_WORDS_SKIP = "script, style, noscript, template, svg, [hidden]"

# The three measurements of one width in one round trip to the browser.
_MEASURE = f"""(skip) => {{
  const root = document.documentElement;
  return {{
    textSize: parseFloat(getComputedStyle(root).fontSize),
    widths: [root.scrollWidth, root.clientWidth],
    broken: ({_BROKEN_WORDS})(skip),
  }};
}}"""


def _overflow(widths: list[int]) -> str | None:
    if widths[0] > widths[1]:
        return f"scrolls sideways: {widths[0]} > {widths[1]} px"
    return None


def horizontal_overflow(page: Page) -> str | None:
    root = "document.documentElement"
    return _overflow(page.evaluate(f"[{root}.scrollWidth, {root}.clientWidth]"))


@dataclass(frozen=True)
class Measured:
    text_size: float  # the root element's font size in px (``text_size``)
    overflow: str | None  # ``horizontal_overflow``
    broken_words: list[str]  # ``broken_words``


def measure(page: Page) -> Measured:
    """``text_size``, ``horizontal_overflow`` and ``broken_words`` of the page as it is
    laid out now, measured in one call to the browser."""
    found = page.evaluate(_MEASURE, _BROKEN_WORDS_SKIP)
    return Measured(float(found["textSize"]), _overflow(found["widths"]), found["broken"])


def broken_words(page: Page) -> list[str]:
    """Words the layout breaks across lines although they would fit on one line of their
    box (a word wider than its box may break: that is what keeps the page from scrolling)."""
    return page.evaluate(_BROKEN_WORDS, _BROKEN_WORDS_SKIP)


def accessibility(page: Page) -> list[str]:
    return violations(page)


def set_text_zoom(page: Page, percent: int) -> None:
    """The reader's larger text, as the browser's font-size setting sets it (rem and em
    media queries follow it, unlike a zoom of the page's own styles)."""
    session = page.context.new_cdp_session(page)
    session.send("Page.setFontSizes", _font_sizes(percent))
    session.detach()


class TextZoom:
    """``set_text_zoom`` for a page that keeps one DevTools session (it survives the page's
    navigations) and sends the setting only when it changes. After a screenshot, which may
    reset the browser's setting, call ``forget``."""

    def __init__(self, page: Page) -> None:
        self.session = page.context.new_cdp_session(page)
        self.percent: int | None = None

    def set(self, percent: int) -> None:
        if percent != self.percent:
            self.session.send("Page.setFontSizes", _font_sizes(percent))
            self.percent = percent

    def forget(self) -> None:
        self.percent = None

    def close(self) -> None:
        self.session.detach()


def _font_sizes(percent: int) -> dict:
    return {"fontSizes": {"standard": 16 * percent // 100, "fixed": 13 * percent // 100}}


def text_size(page: Page) -> float:
    """The root element's font size in px: what rem sizes (nearly all of the site's text)
    are measured in."""
    return float(page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)"))


# Chromium's largest image; a longer page is cut there.
MAX_SHOT_HEIGHT = 16_000


def screenshot(page: Page, path: Path, text_zoom: int) -> None:
    """The whole page as the reader sees it. Chromium forgets the font-size setting
    (``set_text_zoom``) when it captures beyond the viewport, as a full-page screenshot
    does, and draws normal-size text: with larger text the viewport is stretched to the
    page's height instead, the setting set again, and both put back afterwards."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if text_zoom == 100:
        page.screenshot(path=path, full_page=True)
        return
    viewport = page.viewport_size or {"width": 1280, "height": 800}
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": min(height, MAX_SHOT_HEIGHT)})
    set_text_zoom(page, text_zoom)
    page.screenshot(path=path)
    page.set_viewport_size(viewport)
    set_text_zoom(page, text_zoom)


def untranslated(page: Page) -> list[str]:
    """Latin words and digits in an Arabic page's own text (not in user data, which is
    isolated or marked with its language)."""
    found = []
    for text in page.evaluate(_INTERFACE_TEXT, _OTHER_TEXT):
        rest = ALLOWED_LATIN.sub(" ", ISOLATED.sub(" ", text))
        latin = LATIN_WORD.findall(rest)
        digits = LATIN_DIGIT.findall(rest)
        if latin or digits:
            found.append(f"{text[:80]!r}: {' '.join(latin + digits)}")
    return found
