"""Links from one trusted origin: every e-mail's link names ``PUBLIC_URL`` whatever Host or
X-Forwarded-Host a request claims, and a request for a host the site does not serve gets a
plain, translated 400 (never a 500, never a mail)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from tests.companion_factories import make_arrangement, make_check, make_request
from tests.conftest import csrf_token_from
from tests.factories import PASSWORD, make_community, make_member, make_user
from tests.listing_factories import make_listing
from tests.web.test_access import ROUTES, _url
from timebank.extensions import db
from timebank.models import (
    AuditEvent,
    CheckType,
    Membership,
    MembershipStatus,
    OutboxMessage,
    Role,
    User,
    utcnow,
)

ATTACKER = "attacker.example"
PUBLIC = "https://timebank.example.org"
# What a proxy in front of the site could pass on from an attacker: never a link's origin.
FORWARDED = {
    "X-Forwarded-Host": ATTACKER,
    "X-Forwarded-Server": ATTACKER,
    "X-Forwarded-Proto": "http",
    "Forwarded": f"host={ATTACKER};proto=http",
}
LINK = re.compile(r"[a-z][a-z0-9+.-]*://[^\s)>\"']+", re.IGNORECASE)


@pytest.fixture(
    params=[
        pytest.param(({"PUBLIC_URL": PUBLIC + "/", "TRUSTED_PROXIES": 1}, PUBLIC), id="public"),
        pytest.param(({}, "http://localhost"), id="development"),
    ]
)
def setting(request) -> tuple[dict, str]:
    """(settings, the origin every link must name): an installation with ``PUBLIC_URL``
    behind a proxy, and a development one without it (links name the loopback address)."""
    return request.param


@pytest.fixture
def app_config(setting) -> dict:
    return setting[0]


@pytest.fixture
def origin(setting) -> str:
    return setting[1]


def _mail_ids() -> set[int]:
    return set(db.session.scalars(select(OutboxMessage.id)))


def _new_mail(before: set[int]) -> list[OutboxMessage]:
    db.session.expire_all()
    return [m for m in db.session.scalars(select(OutboxMessage)) if m.id not in before]


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# -- The routes that write mail, each as one forged request ------------------------------


@dataclass
class MailRoute:
    """Set up (returns the request to forge), then send it with ``headers``."""

    prepare: Callable[[object], Callable[[dict], object]]
    writes_mail: bool = True
    link: str | None = None  # a path every such mail links to


def _forgot(auth):
    make_user(email="mariam@example.org")
    return lambda headers: auth.post(
        "/auth/forgot", {"email": "mariam@example.org"}, page="/auth/forgot", headers=headers
    )


def _register(auth):
    community = make_community()
    form = {"community": str(community.id), "display_name": "Nour Saleh",
            "email": "nour@example.org", "password": "we share our hours gladly"}  # fmt: skip
    return lambda headers: auth.post("/auth/register", form, page="/auth/register",
                                     headers=headers)  # fmt: skip


def _approve(auth):
    community = make_community()
    make_member(community, role=Role.COORDINATOR, email="coord@example.org")
    applicant = make_user(email="nour@example.org")
    applying = Membership(user=applicant, community=community, status=MembershipStatus.APPLYING)
    db.session.add(applying)
    db.session.commit()
    auth.login("coord@example.org", PASSWORD)
    url = f"/c/{community.slug}/applicants/{applying.id}/approve"
    page = f"/c/{community.slug}/applicants/"
    return lambda headers: auth.post(url, page=page, headers=headers)


def _record_exchange(auth):
    community = make_community()
    make_member(community, email="salma@example.org")
    omar = make_member(community, email="omar@example.org")
    auth.login("salma@example.org", PASSWORD)
    url = f"/c/{community.slug}/hours/record"
    html = auth.client.get(url).get_data(as_text=True)
    key = re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', html)
    form = {"direction": "gave", "member": str(omar.member_number), "duration": "1:30",
            "service_date": utcnow().date().isoformat(), "category": "gardening",
            "description": "Pruned the roses", "action": "save",
            "idempotency_key": key.group(1) if key else "forged-host-1"}  # fmt: skip
    return lambda headers: auth.post(url, form, page=url, headers=headers)


def _respond(auth):
    community = make_community()
    owner = make_member(community, email="owner@example.org")
    make_member(community, email="helper@example.org")
    listing = make_listing(owner, kind="request", title="Help with forms", key="paperwork")
    auth.login("helper@example.org", PASSWORD)
    url = f"/c/{community.slug}/conversations/respond/{listing.id}"
    return lambda headers: auth.post(url, {"body": "I can help"}, page=url, headers=headers)


def _visit_concern(auth):
    community = make_community()
    elder = make_member(community, email="elder@example.org")
    volunteer = make_member(community, email="vol@example.org")
    coordinator = make_member(community, email="coord@example.org", role=Role.COORDINATOR)
    for check_type in (CheckType.BACKGROUND, CheckType.REFERENCES):
        make_check(volunteer, coordinator.user, check_type)
    arrangement = make_arrangement(make_request(elder), volunteer, coordinator.user)
    db.session.commit()
    auth.login("vol@example.org", PASSWORD)
    url = f"/c/{community.slug}/companionship/arrangements/{arrangement.id}/visit"
    form = {"service_date": utcnow().date().isoformat(), "minutes": "75",
            "wellbeing": "concern", "concern_note": "No heating",
            "idempotency_key": "forged-host-visit"}  # fmt: skip
    return lambda headers: auth.post(url, form, page=url, headers=headers)


MAIL_ROUTES = {
    "forgot password": MailRoute(_forgot, link="/auth/reset/"),
    "registration": MailRoute(_register, writes_mail=False),
    "approval": MailRoute(_approve),
    "exchange notification": MailRoute(_record_exchange, link="/hours/"),
    "response to a listing": MailRoute(_respond, link="/conversations/"),
    "wellbeing concern": MailRoute(_visit_concern, link="/companionship/concerns"),
}


@pytest.mark.parametrize("name", MAIL_ROUTES)
def test_forwarded_host_never_reaches_a_mail(auth, origin, name):
    """Behind a proxy that passes an attacker's X-Forwarded-Host on, every link of every
    mail the route writes still names the public origin."""
    route = MAIL_ROUTES[name]
    send = route.prepare(auth)
    before = _mail_ids()
    response = send(FORWARDED)
    assert response.status_code in (200, 302), response.status_code
    mails = _new_mail(before)
    assert bool(mails) == route.writes_mail, [m.subject for m in mails]
    assert not any(ATTACKER in mail.body for mail in mails)
    links = [link for mail in mails for link in LINK.findall(mail.body)]
    assert all(link.startswith(origin + "/") for link in links), links
    if route.link:
        assert any(route.link in link for link in links), links


@pytest.mark.parametrize("name", MAIL_ROUTES)
def test_a_forged_host_writes_no_mail(auth, name):
    """A mail-writing request sent with ``Host: attacker.example`` is refused (400) before
    anything is written: no mail, no audit event."""
    send = MAIL_ROUTES[name].prepare(auth)
    before, events = _mail_ids(), _count(AuditEvent)
    response = send({"Host": ATTACKER})
    assert response.status_code == 400
    assert "This address is not served here" in response.get_data(as_text=True)
    assert _new_mail(before) == [] and _count(AuditEvent) == events


def test_reset_link_names_the_public_origin_even_for_a_trusted_extra_host(app, auth):
    """Reached through one of ``EXTRA_HOSTS``, the site still links to ``PUBLIC_URL``."""
    app.config["TRUSTED_HOSTS"] = [*app.config["TRUSTED_HOSTS"], "internal.example"]
    app.config["PUBLIC_URL"] = PUBLIC
    make_user(email="mariam@example.org")
    before = _mail_ids()
    internal = {"Host": "internal.example:8000"}
    form = auth.client.get("/auth/forgot", headers=internal).get_data(as_text=True)
    response = auth.client.post("/auth/forgot", headers=internal, data={
        "csrf_token": csrf_token_from(form), "email": "mariam@example.org"})  # fmt: skip
    assert response.status_code == 302
    (mail,) = _new_mail(before)
    assert PUBLIC + "/auth/reset/" in mail.body and "internal.example" not in mail.body


# -- The unknown-host page ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "title"),
    [("en", "This address is not served here"), ("ar", "لا يعمل الموقع على هذا العنوان")],
)
@pytest.mark.parametrize("host", [ATTACKER, f"{ATTACKER}:8080", "timebank.example.org.evil"])
def test_an_unknown_host_gets_a_translated_400(client, language, title, host):
    """A plain page in the reader's language (Accept-Language), right-to-left in Arabic,
    with no link built by the site (there is no URL adapter for that host)."""
    for path in ("/", "/auth/login", "/c/somewhere/hours/", "/no/such/page"):
        response = client.get(path, headers={"Host": host, "Accept-Language": language})
        assert response.status_code == 400, path
        page = response.get_data(as_text=True)
        assert f"<h1>{title}</h1>" in page
        assert f'lang="{language}"' in page
        assert ('dir="rtl"' in page) == (language == "ar")
        assert "/static/" not in page and "Traceback" not in page
        assert response.headers["Content-Security-Policy"]


def test_the_unknown_host_page_points_to_the_public_origin(app, client):
    """With ``PUBLIC_URL`` set, the page offers the real address (as plain text and link)."""
    app.config["PUBLIC_URL"] = PUBLIC
    page = client.get("/", headers={"Host": ATTACKER}).get_data(as_text=True)
    assert f'href="{PUBLIC}/"' in page


def test_a_post_to_an_unknown_host_is_a_400_not_a_csrf_page(client):
    """No hook runs for an unknown host: the 400 is the host's, not the CSRF check's."""
    response = client.post("/auth/login", data={"email": "x@example.org", "password": "x"},
                           headers={"Host": ATTACKER})  # fmt: skip
    assert response.status_code == 400
    assert "This address is not served here" in response.get_data(as_text=True)


def test_every_route_refuses_an_unknown_host(app):
    """Every route of the url map, read or write, answers 400 for an unknown Host and
    writes nothing (a new route is covered without anyone remembering)."""
    from tests.factories import World

    world = World()
    urls = [(endpoint, method, _url(app, endpoint, world)) for endpoint, method in ROUTES]
    db.session.commit()
    client = app.test_client()
    mail, events, users = _count(OutboxMessage), _count(AuditEvent), _count(User)
    for endpoint, method, url in urls:
        response = client.open(url, method=method, headers={"Host": ATTACKER})
        assert response.status_code == 400, (endpoint, method, response.status_code)
    assert (_count(OutboxMessage), _count(AuditEvent), _count(User)) == (mail, events, users)
