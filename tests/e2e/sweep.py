"""The presentation sweep: every GET page of ``app.url_map`` that a visitor, a member or a
coordinator can open, in Arabic and English, at phone, tablet and desktop widths and at
360 px with 200 % text, checked in the browser for what a person would notice.

The site is the demo community (``flask demo``: the Old Town Time Bank, Arabic-first)
served in-process by Werkzeug on a free local port, with the objects the access walk's
``PLACEHOLDERS`` make (tests/web/test_access.py) for the URL arguments, so every page,
details and forms included, has something to show. A page is loaded once per role and
language; the widths are then set on that load (media queries and layout follow the
viewport, as after a reload) and each is measured.

``tests/e2e/test_sweep.py`` runs it in ``make test``: axe-core at 375 px, overflow and
broken words at every width. ``python -m tests.e2e.sweep`` runs the full matrix (axe at
every width too) and writes contact sheets to ``docs/screenshots/``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, url_for
from playwright.sync_api import Browser, Page
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.e2e.helpers import RESULTS
from tests.e2e.page_checks import (
    TextZoom,
    accessibility,
    measure,
    screenshot,
    text_size,
    untranslated,
)
from tests.factories import PASSWORD, World, make_member
from timebank import create_app
from timebank.database import transaction
from timebank.extensions import db
from timebank.models import Neighbourhood, User
from timebank.services.community import communities

DEMO_PASSWORD = "demo-password-2026"
LANGUAGES = ("ar", "en")
ROLES = ("visitor", "member", "coordinator")


@dataclass(frozen=True)
class Width:
    name: str
    width: int
    text_zoom: int = 100  # per cent: 200 is a reader's "larger text" (WCAG 1.4.4 / 1.4.10)


WIDTHS = (Width("375", 375), Width("768", 768), Width("1280", 1280), Width("360x200", 360, 200))
AXE_WIDTH = WIDTHS[0]

# Who opens which access level (tests/web/test_access.py LEVELS): each page once, by the
# least privileged role that reaches it; site and community administration pages are
# covered by tests/e2e/test_pages.py.
ROLE_LEVELS = {
    "visitor": {"public"},
    "member": {"login", "community:member", "community:participant"},
    "coordinator": {"community:coordinator", "community:metrics"},
}
# Public pages that read differently for a member: the home pages.
SIGNED_IN_TOO = {"main.index", "community.home"}
ACCOUNTS = {"member": "salma@example.org", "coordinator": "coordinator@example.org"}
# Machine answers and files, not pages: health checks, the OpenAPI document, calendar
# feeds, charts, exports and downloads (their content is tested where they are made).
NOT_PAGES = {
    "ops.healthz",
    "ops.readyz",
    "api_docs.openapi",
    "companionship.visits_feed",
    "metrics.prepared",
    "main.favicon",
}


@dataclass(frozen=True)
class Target:
    role: str
    endpoint: str
    url: str


class DemoWorld(World):
    """The access walk's ``World`` on the demo community: its member Salma, coordinator
    Karim, admin Amira and applicant Hassan; a second community with its own member."""

    def __init__(self) -> None:
        def user(email: str) -> User:
            return db.session.scalars(select(User).where(User.email == email)).one()

        self.member = user(ACCOUNTS["member"])
        self.community = self.member.memberships[0].community
        self.member_membership = self.member.membership_in(self.community.id)
        self.coordinator = user(ACCOUNTS["coordinator"])
        self.community_admin = user("admin@example.org")
        self.site_admin = self.community_admin
        self.applicant = user("hassan@example.org")
        self.applicant_membership = self.applicant.membership_in(self.community.id)
        self.other_community = communities.create(
            actor=None, slug="riverside", name="Riverside Time Bank",
            name_ar="بنك الوقت على ضفة النهر",
        )  # fmt: skip
        self.outsider = make_member(self.other_community, password=PASSWORD).user
        # The demo's own list already holds the placeholder's names: use its first entry.
        self._neighbourhood = db.session.scalars(
            select(Neighbourhood)
            .where(Neighbourhood.community_id == self.community.id)
            .order_by(Neighbourhood.id)
        ).first()


def _level(app: Flask, endpoint: str) -> str | None:
    from timebank.access import ACCESS_ATTRIBUTE

    return getattr(app.view_functions[endpoint], ACCESS_ATTRIBUTE, None)


def targets(app: Flask, world: World) -> list[Target]:
    """Every GET page's URL for the role that opens it, arguments as the access walk
    fills them."""
    from tests.web.test_access import (
        API_PREFIX,
        ENDPOINT_PLACEHOLDERS,
        EXEMPT_ENDPOINTS,
        MOVED_ENDPOINTS,
        PLACEHOLDERS,
    )

    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        endpoint = rule.endpoint
        if (
            "GET" not in rule.methods
            or endpoint in EXEMPT_ENDPOINTS | MOVED_ENDPOINTS | NOT_PAGES
            or endpoint.startswith(API_PREFIX)
            or rule.rule.endswith((".svg", ".csv", ".ics", ".json"))
            or "<fmt>" in rule.rule
        ):
            continue
        roles = [r for r, levels in ROLE_LEVELS.items() if _level(app, endpoint) in levels]
        if endpoint in SIGNED_IN_TOO:
            roles.append("member")
        values = {
            name: ENDPOINT_PLACEHOLDERS.get((endpoint, name), PLACEHOLDERS[name])(world)
            for name in rule.arguments
        }
        with app.test_request_context():
            url = url_for(endpoint, **values)
        found += [Target(role, endpoint, url) for role in roles]
    return found


@dataclass
class Site:
    app: Flask
    base_url: str
    targets: list[Target] = field(default_factory=list)

    def set_language(self, lang: str) -> None:
        """Logged-in readers see their own language: set it for the sweep's accounts."""
        with self.app.app_context():
            for email in ACCOUNTS.values():
                user = db.session.scalars(select(User).where(User.email == email)).one()
                user.locale = lang
            db.session.commit()
            db.session.remove()


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


@contextmanager
def serve_demo(database_uri: str, instance_path: str) -> Iterator[Site]:
    """Migrate ``database_uri``, load the demo and the access walk's objects, and serve
    the application on a free local port until the block ends."""
    from flask_migrate import upgrade

    from tests.conftest import BASE_CONFIG
    from timebank.demo import load_demo

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_uri})
    app.instance_path = instance_path
    with app.app_context():
        upgrade()
        transaction(load_demo)
        world = DemoWorld()
        found = targets(app, world)
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(app, f"http://127.0.0.1:{server.server_port}", found)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@dataclass
class Findings:
    """Problems by page, and screenshots taken, from one role's sweep in one language."""

    problems: list[str] = field(default_factory=list)
    pages: int = 0
    shots: list[tuple[str, str, Path]] = field(default_factory=list)  # (url, width, file)

    def add(self, where: str, what: str | list[str] | None) -> None:
        for line in [what] if isinstance(what, str) else what or []:
            self.problems.append(f"{where}: {line}")


def log_in(page: Page, email: str) -> None:
    page.goto("/auth/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("main form.form button[type=submit]").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)


def sweep(
    browser: Browser,
    site: Site,
    role: str,
    lang: str,
    *,
    widths: tuple[Width, ...] = WIDTHS,
    axe_widths: tuple[Width, ...] = (AXE_WIDTH,),
    shots: Path | None = None,
) -> Findings:
    """Open each of ``role``'s pages once in ``lang`` and measure it at every width.
    With ``shots`` (a folder), a screenshot of every page at a width where it has a
    problem, and of the key pages at every width, is written there."""
    site.set_language(lang)
    findings = Findings()
    context = browser.new_context(
        base_url=site.base_url, locale=lang, viewport={"width": 1280, "height": 800}
    )
    try:
        page = context.new_page()
        zoom = TextZoom(page)
        if role in ACCOUNTS:
            log_in(page, ACCOUNTS[role])
        for target in [t for t in site.targets if t.role == role]:
            findings.pages += 1
            _sweep_page(page, zoom, target, lang, widths, axe_widths, shots, findings)
        zoom.close()
    finally:
        context.close()
    return findings


def _sweep_page(page, zoom, target, lang, widths, axe_widths, shots, findings) -> None:
    page.set_viewport_size({"width": widths[0].width, "height": 800})
    zoom.set(100)
    response = page.goto(target.url)
    status = response.status if response else None
    if status != 200 or "text/html" not in (response.headers.get("content-type", "")):
        findings.add(f"{lang} {target.url}", f"answered {status}, not a page")
        return
    if page.locator("html").get_attribute("lang") != lang:
        findings.add(f"{lang} {target.url}", "in the wrong language")
    if lang == "ar":
        findings.add(f"ar {target.url}", untranslated(page))
    # The reader's normal text size, on the page as loaded (first width, text at 100 %).
    normal = None if widths[0].text_zoom == 100 else text_size(page)
    for width in widths:
        where = f"{lang} {width.name} {target.url}"
        before = len(findings.problems)
        if width is not widths[0]:
            page.set_viewport_size({"width": width.width, "height": 800})
        zoom.set(width.text_zoom)
        measured = measure(page)
        if normal is None:
            normal = measured.text_size
        if measured.text_size != normal * width.text_zoom / 100:
            # The measurements below would not be of the reader's larger text.
            findings.add(
                where,
                f"text is {measured.text_size:g} px, not {width.text_zoom} % of {normal:g} px",
            )
        findings.add(where, measured.overflow)
        findings.add(where, measured.broken_words)
        if width in axe_widths:
            findings.add(where, accessibility(page))
        if shots is not None and (len(findings.problems) > before or target.endpoint in KEY_PAGES):
            path = shots / f"{lang}-{width.name}-{target.role}-{target.endpoint}.png"
            screenshot(page, path, width.text_zoom)
            zoom.forget()  # a screenshot may reset the browser's text size
            findings.shots.append((target.url, width.name, path))


# Pages whose screenshots the sweep always keeps (``artifacts()``), problems or not.
KEY_PAGES = {"community.home", "exchanges.statement", "console.index"}


def artifacts() -> Path:
    """Where the sweep writes its screenshots for a person (or CI) to keep:
    ``$TIMEBANK_ARTIFACTS/sweep``, by default ``test-results/sweep`` (git-ignored)."""
    return RESULTS / "sweep"
