"""Two-factor sign-in through the pages: enrolment with a QR code and a confirmation
code, the second step of signing in, rate-limited wrong codes, recovery codes, remembered
devices, communities that require it of coordinators, and an admin's reset."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask import Response
from sqlalchemy import func, select

from tests.conftest import Browser
from tests.factories import PASSWORD, World, make_community, make_member, make_user
from tests.two_factor_helpers import code, enrol, to_arabic_indic, wrong_code
from tests.web.test_access import ROUTES, _level, _rule, _url
from timebank import second_factor
from timebank.extensions import db
from timebank.models import AuditEvent, Community, Role, User
from timebank.services.auth import two_factor

EMAIL = "karim@example.org"


@pytest.fixture
def app_config() -> dict:
    return {"RATELIMIT_ENABLED": True, "TWO_FACTOR_RATE_LIMIT": "10 per hour"}


def _events(action: str) -> int:
    return db.session.scalar(select(func.count()).where(AuditEvent.action == action))


def _path(response) -> str:
    return urlsplit(response.headers.get("Location", "")).path


def _signed_in(client) -> bool:
    return client.get("/account/").status_code == 200


def _second_step(browser: Browser, data: dict):
    return browser.post("/auth/two-factor", data, page="/auth/two-factor")


def _log_in(browser: Browser, email: str = EMAIL, next_url: str | None = None):
    url = "/auth/login" + (f"?next={next_url}" if next_url else "")
    return browser.post(url, {"email": email, "password": PASSWORD})


# -- Enrolment ------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_the_key_and_needs_a_right_code(auth, client):
    """The account page starts the set-up; the page shows a local QR code (a data URI)
    and the key as text; a wrong code is refused with an error summary; the right one
    turns it on and shows ten recovery codes once."""
    user = make_user(email=EMAIL)
    auth.login(EMAIL, PASSWORD)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Set up two-factor sign-in" in page
    started = auth.post("/account/two-factor/start", {}, page="/account/two-factor")
    assert started.status_code == 302
    page = client.get("/account/two-factor").get_data(as_text=True)
    db.session.refresh(user)
    assert 'src="data:image/svg+xml' in page and 'alt="QR code' in page
    assert second_factor.secret_in_groups(user.totp_secret) in page
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page

    wrong = auth.post(
        "/account/two-factor/confirm", {"code": wrong_code(user)}, page="/account/two-factor"
    )
    assert wrong.status_code == 400
    text = wrong.get_data(as_text=True)
    assert "There is a problem" in text and "This code is not right" in text
    db.session.refresh(user)
    assert not two_factor.is_enabled(user)

    right = auth.post(
        "/account/two-factor/confirm", {"code": code(user)}, page="/account/two-factor"
    )
    assert right.status_code == 200
    codes = re.findall(
        r"<code dir=\"ltr\" lang=\"en\">([0-9A-Z-]{19})</code>", right.get_data(as_text=True)
    )
    assert len(codes) == 10
    assert right.headers["Cache-Control"] == "no-store"
    db.session.refresh(user)
    assert two_factor.is_enabled(user)
    assert "Two-factor sign-in (on)" in client.get("/account/").get_data(as_text=True)


# -- Signing in -----------------------------------------------------------------------


def test_sign_in_needs_the_second_factor(app, browser, client):
    """After the right password the session is not signed in until a right code; then
    it goes where it was going."""
    user = make_user(email=EMAIL)
    enrol(user)
    response = _log_in(browser, next_url="/notifications/")
    assert response.status_code == 302 and _path(response) == "/auth/two-factor"
    assert not _signed_in(client)
    page = client.get("/auth/two-factor").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page

    wrong = _second_step(browser, {"code": wrong_code(user)})
    assert wrong.status_code == 400 and "This code is not right" in wrong.get_data(as_text=True)
    assert not _signed_in(client)

    right = _second_step(browser, {"code": to_arabic_indic(code(user))})
    assert right.status_code == 302 and _path(right) == "/notifications/"
    assert _signed_in(client)
    assert _events("login.success") == 1 and _events("login.second_factor_failure") == 1


def test_ten_wrong_codes_are_rate_limited_with_retry_after(app, browser, client):
    """Ten wrong codes, then 429 with Retry-After, even for the right code, and a new
    session for the same person does not buy more guesses."""
    user = make_user(email=EMAIL)
    enrol(user)
    _log_in(browser)
    statuses = [_second_step(browser, {"code": wrong_code(user)}).status_code for _ in range(10)]
    assert statuses == [400] * 10
    refused = _second_step(browser, {"code": code(user)})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many attempts" in refused.get_data(as_text=True)
    assert not _signed_in(client)

    fresh = Browser(app.test_client())
    _log_in(fresh)
    assert _second_step(fresh, {"code": code(user)}).status_code == 429


def test_a_recovery_code_works_once_on_the_sign_in_page(app, browser, client):
    """A recovery code signs in once (the page says how many are left); the same code
    at the next sign-in is refused."""
    user = make_user(email=EMAIL)
    codes = enrol(user)
    _log_in(browser)
    used = _second_step(browser, {"recovery_code": codes[0].lower()})
    assert used.status_code == 302
    assert "9 are left" in client.get("/account/").get_data(as_text=True)  # signed in
    browser.logout()
    _log_in(browser)
    again = _second_step(browser, {"recovery_code": codes[0]})
    assert again.status_code == 400
    assert "used already" in again.get_data(as_text=True)
    assert not _signed_in(client)


def test_a_late_second_step_asks_for_the_password_again(app, browser, client, monkeypatch):
    """The code must follow the password within the allowed minutes."""
    user = make_user(email=EMAIL)
    enrol(user)
    _log_in(browser)
    monkeypatch.setattr(second_factor, "PENDING_SECONDS", -1)
    late = _second_step(browser, {"code": code(user)})
    assert late.status_code == 200 and "Please log in again" in late.get_data(as_text=True)
    assert not _signed_in(client)


@pytest.mark.parametrize(
    "data",
    [
        {"code": "x" * 10_240},
        {"code": "9" * 10_240},
        {"code": "abc def"},
        {"code": "12\x003456"},
        {"code": "", "recovery_code": ""},
        {"recovery_code": "x" * 10_240},
        {"recovery_code": "\x00\u202e"},
        {"code": "١٢٣٤٥٦٧"},
        {"remember": "x" * 10_240, "code": "123"},
    ],
)
def test_junk_on_the_code_forms_is_a_message_never_an_error(app, auth, data):
    """Letters, NUL bytes, 10 kB strings, empty fields: a 400 with a message on every
    form that takes a code, never a 500, and nobody signed in."""
    user = make_user(email=EMAIL)
    enrol(user)
    _log_in(auth)
    response = _second_step(auth, data)
    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)
    other = make_user(email="grace@example.org")
    enrol(other)
    browser = Browser(app.test_client())
    _log_in(browser, "grace@example.org")
    _second_step(browser, {"code": code(other)})
    for url in ("/account/two-factor/recovery-codes", "/account/two-factor/disable"):
        prefixed = {f"{'codes' if 'recovery' in url else 'off'}-{k}": v for k, v in data.items()}
        response = browser.post(url, {**prefixed, "off-password": PASSWORD}, page="/account/")
        assert response.status_code == 400, url
    db.session.refresh(other)
    assert two_factor.is_enabled(other)


def test_turning_it_off_takes_the_password_and_a_code(auth, client):
    """The disable form needs both; then sign-in asks for the password only."""
    user = make_user(email=EMAIL)
    enrol(user)
    _log_in(auth)
    _second_step(auth, {"code": code(user, steps=-1)})
    refused = auth.post(
        "/account/two-factor/disable",
        {"off-password": "wrong password here", "off-code": code(user)},
        page="/account/two-factor",
    )
    assert refused.status_code == 400 and "The password is not correct" in refused.get_data(
        as_text=True
    )
    done = auth.post(
        "/account/two-factor/disable",
        {"off-password": PASSWORD, "off-code": code(user)},
        page="/account/two-factor",
    )
    assert done.status_code == 302
    auth.logout()
    assert _path(_log_in(auth)) == "/"


# -- Remembered devices ---------------------------------------------------------------


def _remembering_member() -> User:
    community = make_community()
    community.allow_remembered_devices = True
    user = make_member(community, email=EMAIL).user
    enrol(user)
    return user


def test_a_remembered_device_skips_the_step_until_reset(app, browser, client):
    """Ticked, the device is remembered (an HttpOnly cookie for the sign-in pages): the
    password alone signs in. After an admin's reset and a new enrolment, or a new
    password, the code is asked for again."""
    user = _remembering_member()
    community = user.memberships[0].community
    _log_in(browser)
    page = client.get("/auth/two-factor").get_data(as_text=True)
    assert "Do not ask for a code on this device for 30 days" in page
    response = _second_step(browser, {"code": code(user, steps=-1), "remember": "y"})
    cookie = (
        response.headers["Set-Cookie"]
        if "timebank_device" in str(response.headers.getlist("Set-Cookie"))
        else ""
    )
    device = [c for c in response.headers.getlist("Set-Cookie") if "timebank_device" in c]
    assert device and "HttpOnly" in device[0] and "Path=/auth/" in device[0], cookie
    browser.logout()
    assert _path(_log_in(browser)) == "/" and _signed_in(client)
    browser.logout()

    admin = make_member(community, role=Role.ADMIN).user
    two_factor.reset(user, actor=admin, community=community)
    db.session.commit()
    enrol(user)
    assert _path(_log_in(browser)) == "/auth/two-factor"
    assert not _signed_in(client)


def test_a_device_is_not_remembered_where_a_community_does_not_allow_it(browser, client):
    """The default: the box is not offered, and ticking it anyway sets no cookie."""
    user = make_member(make_community(), email=EMAIL).user
    enrol(user)
    _log_in(browser)
    assert "Do not ask for a code" not in client.get("/auth/two-factor").get_data(as_text=True)
    response = _second_step(browser, {"code": code(user), "remember": "y"})
    assert response.status_code == 302
    assert not [c for c in response.headers.getlist("Set-Cookie") if "timebank_device" in c]
    browser.logout()
    assert _path(_log_in(browser)) == "/auth/two-factor"


@pytest.mark.parametrize("secure", [False, True])
def test_the_device_cookie_is_secure_where_the_session_cookie_is(app, secure):
    """In production (``SESSION_COOKIE_SECURE``) the device cookie is Secure too."""
    app.config["SESSION_COOKIE_SECURE"] = secure
    with app.test_request_context():
        response = second_factor.remember_device(Response(), "token")
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert ("Secure" in header) is secure
    assert "Max-Age=2592000" in header


# -- Communities that require it --------------------------------------------------------


COMMUNITY_ROUTES = [(endpoint, method) for endpoint, method in ROUTES if endpoint != "static"]


LACKING_THE_ROLE_ANYWAY = {
    ("coordinator", "community:community_admin"),
    ("site_admin", "community:participant"),  # not a member: no part to take
}


def _community_routes(app) -> list[tuple[str, str]]:
    return [
        (endpoint, method)
        for endpoint, method in COMMUNITY_ROUTES
        if "slug" in _rule(app, endpoint).arguments
        and _level(app, endpoint).startswith("community:")
    ]


def test_coordinators_reach_no_page_of_a_requiring_community_before_enrolling(app):
    """Every community page (console, queue, safeguarding, reports, metrics, and the
    member pages where coordinators see more), GET and POST, sends a coordinator, a
    community admin or an installation admin without two-factor sign-in to set it up;
    members are not affected; once enrolled, the coordinator gets through."""
    world = World()
    world.community.require_two_factor = True
    db.session.commit()
    routes = _community_routes(app)
    assert len(routes) > 60
    people = {}
    for who in ("coordinator", "community_admin", "site_admin"):
        people[who] = Browser(app.test_client())
        _log_in(people[who], getattr(world, who).email)
    for endpoint, method in routes:
        url = _url(app, endpoint, world)
        for who, browser in people.items():
            if method == "GET":
                response = browser.client.get(url)
            else:
                response = browser.post(url, {}, page="/account/")
            if (who, _level(app, endpoint)) in LACKING_THE_ROLE_ANYWAY:
                assert response.status_code == 403, (who, url)
                continue
            assert response.status_code == 302, (who, method, url, response.status_code)
            assert _path(response) == "/account/two-factor", (who, method, url)

    member = Browser(app.test_client())
    _log_in(member, world.member.email)
    assert member.client.get(f"/c/{world.community.slug}/hours/").status_code == 200

    enrol(world.coordinator)
    console = f"/c/{world.community.slug}/coordinator/"
    # The session opened with the password alone ended when two-factor sign-in came on.
    assert _path(people["coordinator"].client.get(console)) == "/auth/login"
    fresh = Browser(app.test_client())
    _log_in(fresh, world.coordinator.email)
    _second_step(fresh, {"code": code(world.coordinator)})
    assert fresh.client.get(console).status_code == 200


def test_a_coordinator_is_led_to_enrol_at_sign_in_and_back(app, browser, client):
    """Signing in, the coordinator lands on the set-up page with a notice; after
    confirming, the recovery codes page leads to the page first asked for."""
    community = make_community()
    community.require_two_factor = True
    coordinator = make_member(community, role=Role.COORDINATOR, email=EMAIL).user
    console = f"/c/{community.slug}/coordinator/"
    response = _log_in(browser, next_url=console)
    assert _path(response) == "/account/two-factor"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your time bank asks coordinators and admins" in page
    assert client.get(console).status_code == 302
    next_query = urlsplit(response.headers["Location"]).query
    browser.post(f"/account/two-factor/start?{next_query}", {}, page="/account/two-factor")
    db.session.refresh(coordinator)
    done = browser.post(
        f"/account/two-factor/confirm?{next_query}",
        {"code": code(coordinator)},
        page="/account/two-factor",
    )
    assert done.status_code == 200
    assert f'href="{console}"' in done.get_data(as_text=True)
    assert client.get(console).status_code == 200


# -- The admin's side -----------------------------------------------------------------------


def _community_with_admin() -> tuple[Community, User]:
    community = make_community()
    admin = make_member(community, role=Role.ADMIN, email="admin@example.org").user
    enrol(admin)
    return community, admin


def _admin_browser(app, admin: User) -> Browser:
    browser = Browser(app.test_client())
    _log_in(browser, admin.email)
    _second_step(browser, {"code": code(admin)})
    return browser


def test_an_admin_resets_a_members_two_factor_audited(app):
    """The member page offers the reset to admins; it needs the box ticked; it is
    audited and the member signs in with the password again. A coordinator cannot."""
    community, admin = _community_with_admin()
    membership = make_member(community, email=EMAIL)
    enrol(membership.user)
    browser = _admin_browser(app, admin)
    member_page = f"/c/{community.slug}/coordinator/members/{membership.id}"
    assert "Turn off their two-factor sign-in" in browser.client.get(member_page).get_data(
        as_text=True
    )
    url = f"{member_page}/two-factor/reset"
    browser.post(url, {}, page=member_page)
    assert _events("two_factor.reset") == 0
    response = browser.post(url, {"reset-confirm": "y"}, page=member_page)
    assert response.status_code == 302 and _path(response) == member_page
    assert _events("two_factor.reset") == 1
    db.session.refresh(membership.user)
    assert not two_factor.is_enabled(membership.user)
    assert _path(_log_in(Browser(app.test_client()))) == "/"

    coordinator = make_member(community, role=Role.COORDINATOR, email="coord@example.org").user
    other = Browser(app.test_client())
    _log_in(other, coordinator.email)
    assert other.post(url, {"reset-confirm": "y"}, page="/account/").status_code == 403


def test_the_sign_in_settings_page(app):
    """A community admin requires two-factor sign-in and allows remembered devices;
    the page lists who has set it up; an admin without it cannot require it."""
    community, admin = _community_with_admin()
    coordinator = make_member(community, role=Role.COORDINATOR, name="Coordinator Without")
    browser = _admin_browser(app, admin)
    url = f"/c/{community.slug}/coordinator/sign-in"
    page = browser.client.get(url).get_data(as_text=True)
    assert "Coordinator Without" in page and "Not set up" in page
    saved = browser.post(
        url, {"require_two_factor": "y", "allow_remembered_devices": "y"}, page=url
    )
    assert saved.status_code == 302
    db.session.refresh(community)
    assert community.require_two_factor and community.allow_remembered_devices
    assert _events("community.sign_in_settings") == 1

    unenrolled_admin = make_member(make_community(), role=Role.ADMIN, email="new@example.org")
    other = Browser(app.test_client())
    _log_in(other, "new@example.org")
    other_url = f"/c/{unenrolled_admin.community.slug}/coordinator/sign-in"
    refused = other.post(other_url, {"require_two_factor": "y"}, page=other_url)
    assert refused.status_code == 400
    assert "Set up two-factor sign-in for yourself first" in refused.get_data(as_text=True)
    assert coordinator.user.totp_secret is None


# -- The demo ---------------------------------------------------------------------------


def test_demo_accounts_sign_in_without_two_factor(app):
    """The demo community does not require it: its coordinator and admin sign in with
    the password and reach the console."""
    from timebank.database import transaction
    from timebank.demo import ADMIN, COORDINATOR, DEMO_PASSWORD, DEMO_SLUG, load_demo

    transaction(load_demo)
    for email, _name in (COORDINATOR, ADMIN):
        browser = Browser(app.test_client())
        response = browser.post("/auth/login", {"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302
        assert _path(response) not in ("/auth/two-factor", "/account/two-factor")
        assert browser.client.get(f"/c/{DEMO_SLUG}/coordinator/").status_code == 200
