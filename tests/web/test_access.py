"""Every route makes an access decision, proved by requests generated from ``app.url_map``.

Anonymous visitors are sent to the login page, members of another community get 404, an
active member lacking the role gets 403, and the right role gets through. A new route is
covered as soon as it is registered; one whose URL arguments or access level the generator
does not know fails loudly."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask

from tests import codesign_factories, companion_factories, console_fixtures, visit_factories
from tests.companion_factories import membership
from tests.conftest import BASE_CONFIG, Browser
from tests.factories import PASSWORD, World, make_reset_token
from tests.jobs.helpers import outbox_message_for
from tests.report_factories import prepared_for
from tests.webhooks import fixtures as webhook_fixtures
from timebank import create_app
from timebank.access import ACCESS_ATTRIBUTE

# Flask's own file server (public assets, no data); the Prometheus endpoint, off by
# default and guarded by its own token or addresses (tests/ops/test_observability.py).
EXEMPT_ENDPOINTS = {"static", "ops.metrics"}
# The JSON API answers to tokens, not to sessions: tests/api/test_api_access.py walks its
# routes with its own matrix (anonymous, member, outsider, coordinator, revoked, no scope).
API_PREFIX = "api."
# Old addresses kept for links and bookmarks: the right role is sent on to the new page.
MOVED_ENDPOINTS = {"exchanges.limits_moved"}
CHECKED_METHODS = {"GET", "POST"}
IMPLICIT_METHODS = {"HEAD", "OPTIONS"}

# URL argument -> the real object whose value fills it.
PLACEHOLDERS = {
    "slug": lambda world: world.community.slug,
    "community_id": lambda world: world.community.id,
    "membership_id": lambda world: world.applicant_membership.id,
    "token": lambda world: make_reset_token(world.applicant),
    "step_id": lambda world: console_fixtures.step(world).id,
    "proxy_id": lambda world: console_fixtures.appointment(world).id,
    "member_id": lambda world: console_fixtures.appointment(world).member_id,
    "announcement_id": lambda world: console_fixtures.announcement(world).id,
    "listing_id": lambda world: world.listing.id,
    "category_id": lambda world: world.category.id,
    "exchange_id": lambda world: world.exchange.id,
    # Metrics and reports: a chart, a period label, a file format, an export.
    "name": lambda world: "hours",
    "label": lambda world: "2026-Q1",
    "fmt": lambda world: "csv",
    "kind": lambda world: "exchanges",
    "request_id": lambda world: companion_factories.request_for(world).id,
    "arrangement_id": lambda world: companion_factories.arrangement_for(world).id,
    "planned_id": lambda world: visit_factories.planned_for(world).id,
    "feed_secret": visit_factories.feed_secret_for,
    "check_id": lambda world: companion_factories.check_for(world).id,
    "conversation_id": lambda world: companion_factories.conversation_for(world).id,
    "target_type": lambda world: "member",
    "target_id": lambda world: membership(world.community_admin, world.community).id,
    "report_id": lambda world: companion_factories.report_for(world).id,
    "notification_id": lambda world: companion_factories.notification_for(world).id,
    "token_id": lambda world: _api_token(world).id,
    "message_id": lambda world: outbox_message_for(world).id,
    "proposal_id": lambda world: codesign_factories.proposal_for(world).id,
    "endpoint_id": lambda world: webhook_fixtures.endpoint(world).id,
    "delivery_id": lambda world: webhook_fixtures.delivery(world).id,
    "prepared_id": lambda world: prepared_for(world).id,
}


def _api_token(world: World):
    """An API token of the applicant (the ``login`` level's user), for its revoke button."""
    from timebank.services.auth import tokens

    return tokens.create(world.applicant, name="script", scopes=["read"], expires_on=None).token


# Access level -> (the user who has it, users who are active members but lack it).
# ``None`` is the anonymous visitor.
LEVELS = {
    "public": (None, []),
    "login": ("applicant", []),
    "site_admin": ("site_admin", ["member", "coordinator", "community_admin"]),
    "community:member": ("member", []),
    "community:participant": ("member", ["site_admin"]),
    "community:coordinator": ("coordinator", ["member"]),
    "community:community_admin": ("community_admin", ["member", "coordinator"]),
    # The figures: coordinators (and members only where the community switched them on).
    "community:metrics": ("coordinator", ["member"]),
}


def _url_map_app() -> Flask:
    return create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def _routes() -> list[tuple[str, str]]:
    app = _url_map_app()
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT_ENDPOINTS or rule.endpoint.startswith(API_PREFIX):
            continue
        for method in sorted(rule.methods - IMPLICIT_METHODS):
            routes.append((rule.endpoint, method))
    return routes


ROUTES = _routes()


def _rule(app: Flask, endpoint: str):
    (rule,) = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    return rule


def _level(app: Flask, endpoint: str) -> str:
    return getattr(app.view_functions[endpoint], ACCESS_ATTRIBUTE, None)


# Where one argument name means different rows on different pages.
ENDPOINT_PLACEHOLDERS = {
    ("profiles.show", "membership_id"): lambda world: world.member_membership.id,
    ("profiles.edit_for", "membership_id"): lambda world: world.member_membership.id,
    ("exchanges.limits_moved", "membership_id"): lambda world: world.member_membership.id,
    ("exchanges.reverse", "exchange_id"): lambda world: world.posted_exchange.id,
    ("proxy.conversation", "conversation_id"): console_fixtures.proxied_conversation_id,
    ("codesign.record_session", "proposal_id"): lambda world: (
        codesign_factories.activity_proposal_for(world).id
    ),
}


def _url(app: Flask, endpoint: str, world: World) -> str:
    rule = _rule(app, endpoint)
    unknown = sorted(set(rule.arguments) - set(PLACEHOLDERS))
    if unknown:
        pytest.fail(f"{rule.rule}: no placeholder for URL argument(s) {unknown}; add one")
    values = {
        name: ENDPOINT_PLACEHOLDERS.get((endpoint, name), PLACEHOLDERS[name])(world)
        for name in rule.arguments
    }
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values)


def _client_for(app: Flask, world: World, who: str | None) -> Browser:
    browser = Browser(app.test_client())
    if who is not None:
        user = getattr(world, who)
        assert browser.login(user.email, PASSWORD).status_code == 302, who
    return browser


def _request(browser: Browser, method: str, url: str):
    if method == "GET":
        return browser.client.get(url)
    return browser.post(url, {})


def _is_login_redirect(response) -> bool:
    return (
        response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/auth/login"
    )


def _unknown_to_the_generator(app: Flask) -> list[str]:
    problems = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT_ENDPOINTS or rule.endpoint.startswith(API_PREFIX):
            continue
        level = _level(app, rule.endpoint)
        if level not in LEVELS:
            problems.append(f"{rule.rule}: access level {level!r}")
        if rule.methods - IMPLICIT_METHODS - CHECKED_METHODS:
            problems.append(f"{rule.rule}: methods {sorted(rule.methods)}")
        if set(rule.arguments) - set(PLACEHOLDERS):
            problems.append(f"{rule.rule}: arguments {sorted(rule.arguments)}")
    return problems


def test_every_route_is_known_to_the_generator():
    """Every route declares an access level, methods and URL arguments the test knows."""
    assert _unknown_to_the_generator(_url_map_app()) == []


def test_a_route_without_an_access_decision_is_caught():
    """A new undecorated route, or one with an unknown URL argument, fails the walk."""
    app = _url_map_app()
    app.add_url_rule("/forgotten", "forgotten", lambda: "no decision")

    def view(gadget_id):
        return "?"

    view._timebank_access = "login"
    app.add_url_rule("/gadgets/<int:gadget_id>", "gadget", view, methods=["PUT"])
    problems = _unknown_to_the_generator(app)
    assert "/forgotten: access level None" in problems
    assert any(p.startswith("/gadgets/<int:gadget_id>: methods") for p in problems)
    assert "/gadgets/<int:gadget_id>: arguments ['gadget_id']" in problems


@pytest.mark.parametrize(("endpoint", "method"), ROUTES, ids=[f"{m} {e}" for e, m in ROUTES])
def test_route_makes_an_access_decision(app, endpoint, method):
    """Anonymous → login, other community → 404, missing role → 403, right role → through."""
    level = _level(app, endpoint)
    if level not in LEVELS:
        pytest.fail(f"{endpoint} has no known access level: {level!r}")
    world = World()
    url = _url(app, endpoint, world)
    allowed, lacking = LEVELS[level]
    community_route = "slug" in _rule(app, endpoint).arguments

    if level != "public":
        response = _request(_client_for(app, world, None), method, url)
        assert _is_login_redirect(response), (url, response.status_code)

    if community_route and level != "public":
        response = _request(_client_for(app, world, "outsider"), method, url)
        assert response.status_code == 404, ("member of another community", url)
        response = _request(_client_for(app, world, "applicant"), method, url)
        assert response.status_code == 404, ("applicant, not yet a member", url)

    for who in lacking:
        response = _request(_client_for(app, world, who), method, url)
        assert response.status_code == 403, (who, url, response.status_code)

    # Installation admins may act in every community, besides the role itself.
    entitled = [allowed, "site_admin"] if level.startswith("community:") else [allowed]
    entitled = [who for who in entitled if who not in lacking]
    for who in entitled:
        response = _request(_client_for(app, world, who), method, url)
        if method == "GET" and endpoint in MOVED_ENDPOINTS:
            assert response.status_code == 302, (who, url, response.status_code)
            assert not _is_login_redirect(response), (who, url)
        elif method == "GET":
            assert response.status_code == 200, (who, url, response.status_code)
        else:
            assert response.status_code in (200, 302, 400), (who, url, response.status_code)
            if response.status_code == 302:
                assert not _is_login_redirect(response), (who, url)
