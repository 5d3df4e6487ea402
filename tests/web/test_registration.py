"""Registering, the coordinator's decision, the outbox, administration and language."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from tests.conftest import Browser
from tests.factories import PASSWORD, make_community, make_member, make_user
from timebank.extensions import db
from timebank.models import (
    AuditEvent,
    Community,
    Membership,
    MembershipStatus,
    OutboxMessage,
    Role,
    User,
)

STRONG = "we share our hours gladly"


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _events(action: str) -> int:
    return _count(AuditEvent, AuditEvent.action == action)


def _form(community: Community, **overrides) -> dict:
    return {
        "community": str(community.id),
        "display_name": "Mariam Haddad",
        "email": "mariam@example.org",
        "password": STRONG,
        "motivation": "I can help with homework.",
        **overrides,
    }


def _field_error(page: str, field: str) -> str | None:
    """The message shown next to a field (the macro's ``<field>-error`` paragraph)."""
    start = page.find(f'id="{field}-error"')
    if start < 0:
        return None
    return html.unescape(page[start : page.index("</p>", start)])


def test_register_creates_an_applying_membership_and_one_audit_event(browser, client):
    """A visitor registers: a user, an *applying* membership, one audit event."""
    community = make_community()
    events = _count(AuditEvent)
    response = browser.post("/auth/register", _form(community, email="Mariam@Example.ORG"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    user = db.session.scalar(select(User).where(User.email == "mariam@example.org"))
    assert user is not None and user.password_hash.startswith("$argon2id$")
    (membership,) = user.memberships
    assert membership.community_id == community.id
    assert membership.status == MembershipStatus.APPLYING
    assert membership.member_number is None
    assert membership.motivation == "I can help with homework."
    assert _count(AuditEvent) == events + 1
    assert _events("membership.apply") == 1


def test_register_page_preselects_the_community(client):
    """``/auth/register?community=<slug>`` preselects that community."""
    make_community(slug="aaa-first")
    chosen = make_community(slug="zzz-second")
    page = client.get("/auth/register?community=zzz-second").get_data(as_text=True)
    assert f'<option selected value="{chosen.id}">' in page


def test_duplicate_email_in_any_case_is_refused_next_to_the_field(browser):
    """A second account with the same e-mail (another case) is refused; input kept."""
    community = make_community()
    make_user(email="mariam@example.org")
    users, events = _count(User), _count(AuditEvent)
    response = browser.post(
        "/auth/register", _form(community, email="MARIAM@example.org", display_name="Second Me")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "already exists" in _field_error(page, "email")
    assert 'value="MARIAM@example.org"' in page
    assert 'value="Second Me"' in page
    assert "I can help with homework." in page
    assert (_count(User), _count(AuditEvent), _count(Membership)) == (users, events, 0)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short pw", "Use at least 12 characters."),
        ("mariam@example.org", "must not contain your e-mail address or name"),
        ("Mariam Haddad", "must not contain your e-mail address or name"),
        ("mariam haddad 2026", "must not contain your e-mail address or name"),
        ("password1234", "too common"),
        ("aaaaaaaaaaaaaaaa", "too common"),
        ("x" * 129, "Use at most 128 characters."),
    ],
)
def test_weak_password_is_refused_next_to_the_field(browser, password, message):
    """Short, personal or common passwords get a message next to the password field."""
    community = make_community()
    response = browser.post("/auth/register", _form(community, password=password))
    assert response.status_code == 200
    assert message in _field_error(response.get_data(as_text=True), "password")
    assert _count(User) == 0 and _count(Membership) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("display_name", "N" * 81),
        ("email", "a" * 250 + "@example.org"),
        ("motivation", "m" * 1001),
    ],
)
def test_over_long_fields_are_refused(browser, field, value):
    """A field over its length limit gets a message; nothing is saved, never a 500."""
    community = make_community()
    response = browser.post("/auth/register", _form(community, **{field: value}))
    assert response.status_code == 200
    assert _field_error(response.get_data(as_text=True), field)
    assert _count(User) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("display_name", "Mariam\x00Haddad"),
        ("display_name", "Mariam \u202eddadaH"),
        ("display_name", "Mariam \x1b[31mHaddad"),
        ("motivation", "I can \u202ecook"),
        ("motivation", "I can\x00cook"),
    ],
)
def test_control_characters_are_refused(browser, field, value):
    """NUL bytes, bidi overrides and terminal escapes get a message next to the field."""
    community = make_community()
    response = browser.post("/auth/register", _form(community, **{field: value}))
    assert response.status_code == 200
    error = _field_error(response.get_data(as_text=True), field)
    assert error and "Remove the invisible control characters." in error
    assert _count(User) == 0


def test_motivation_may_have_several_lines(browser):
    """Newlines and tabs are not control characters a person should be scolded for."""
    community = make_community()
    response = browser.post("/auth/register", _form(community, motivation="Cooking\r\n\tBaking"))
    assert response.status_code == 302


def test_unknown_community_is_refused(browser):
    """A tampered community choice is refused, not a 500."""
    make_community()
    response = browser.post("/auth/register", _form(Community(id=999_999)))
    assert response.status_code == 200
    assert _field_error(response.get_data(as_text=True), "community")
    assert _count(User) == 0


def _applicant(community: Community, **kwargs) -> Membership:
    return make_member(community, status=MembershipStatus.APPLYING, **kwargs)


def test_coordinator_approves_an_applicant(auth, client):
    """The coordinator sees the applicant and approves: member number, audit, e-mail."""
    community = make_community()
    make_member(community, email="first@example.org")  # takes member number 1
    make_member(community, role=Role.COORDINATOR, email="coord@example.org")
    applying = _applicant(community, name="Nour Saleh", email="nour@example.org")
    auth.login("coord@example.org", PASSWORD)
    page = client.get(f"/c/{community.slug}/applicants/").get_data(as_text=True)
    assert "Nour Saleh" in page
    response = auth.post(
        f"/c/{community.slug}/applicants/{applying.id}/approve",
        page=f"/c/{community.slug}/applicants/",
    )
    assert response.status_code == 302
    db.session.refresh(applying)
    assert applying.status == MembershipStatus.ACTIVE
    assert applying.member_number == 3
    assert applying.decided_by_id is not None
    assert _events("membership.approve") == 1
    (mail,) = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == "nour@example.org")
    ).all()
    assert "3" in mail.body and mail.community_id == community.id
    assert '<h2 dir="auto">Nour Saleh</h2>' in page
    after = client.get(f"/c/{community.slug}/applicants/").get_data(as_text=True)
    assert '<h2 dir="auto">Nour Saleh</h2>' not in after
    Browser(client).logout()
    auth.login("nour@example.org", PASSWORD)
    assert client.get(f"/c/{community.slug}/members/").status_code == 200


def test_coordinator_declines_with_a_reason_the_applicant_sees(auth, client):
    """A declined applicant reads the coordinator's reason on /account/."""
    community = make_community()
    make_member(community, role=Role.COORDINATOR, email="coord@example.org")
    applying = _applicant(community, email="nour@example.org")
    auth.login("coord@example.org", PASSWORD)
    url = f"/c/{community.slug}/applicants/{applying.id}/decline"
    assert client.get(url).status_code == 200
    empty = auth.post(url, {"reason": "  "}, page=url)
    assert empty.status_code == 200
    assert "Give the applicant a reason." in _field_error(empty.get_data(as_text=True), "reason")
    response = auth.post(url, {"reason": "We only serve the old town."}, page=url)
    assert response.status_code == 302
    db.session.refresh(applying)
    assert applying.status == MembershipStatus.DECLINED
    assert applying.member_number is None
    assert _events("membership.decline") == 1
    assert _count(OutboxMessage, OutboxMessage.to_address == "nour@example.org") == 1
    auth.logout()
    auth.login("nour@example.org", PASSWORD)
    page = client.get("/account/").get_data(as_text=True)
    assert "Your application was not accepted." in page
    assert "We only serve the old town." in page
    assert client.get(f"/c/{community.slug}/members/").status_code == 404


def test_two_coordinators_approving_make_one_decision(app):
    """When two coordinators approve the same applicant, only the first decision counts."""
    community = make_community()
    make_member(community, role=Role.COORDINATOR, email="one@example.org")
    make_member(community, role=Role.COORDINATOR, email="two@example.org")
    applying = _applicant(community)
    url = f"/c/{community.slug}/applicants/{applying.id}/approve"
    page = f"/c/{community.slug}/applicants/"
    first, second = Browser(app.test_client()), Browser(app.test_client())
    first.login("one@example.org", PASSWORD)
    second.login("two@example.org", PASSWORD)
    token = second.token(page)  # the second coordinator had the page open too
    assert first.post(url, page=page).status_code == 302
    late = second.client.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert "already been decided by someone else" in late.get_data(as_text=True)
    db.session.refresh(applying)
    assert applying.member_number == 3  # after the two coordinators
    assert _events("membership.approve") == 1
    assert _count(OutboxMessage) == 1
    decline = f"/c/{community.slug}/applicants/{applying.id}/decline"
    response = second.post(decline, {"reason": "Too late"}, page=page, follow_redirects=True)
    assert "already been decided by someone else" in response.get_data(as_text=True)
    db.session.refresh(applying)
    assert applying.status == MembershipStatus.ACTIVE
    assert _events("membership.decline") == 0


def test_coordinator_of_another_community_gets_404(auth, client):
    """A coordinator cannot see or decide another community's applicants."""
    community = make_community()
    other = make_community()
    make_member(other, role=Role.COORDINATOR, email="coord@example.org")
    applying = _applicant(community)
    auth.login("coord@example.org", PASSWORD)
    for slug in (community.slug, other.slug):
        base = f"/c/{slug}/applicants/{applying.id}"
        assert auth.post(f"{base}/approve", page="/account/").status_code == 404
        assert client.get(f"{base}/decline").status_code == 404
        assert auth.post(f"{base}/decline", {"reason": "no"}, page="/account/").status_code == 404
    assert client.get(f"/c/{community.slug}/applicants/").status_code == 404
    db.session.refresh(applying)
    assert applying.status == MembershipStatus.APPLYING
    assert _events("membership.approve") + _events("membership.decline") == 0


def test_outbox_is_for_coordinators_and_admins_only(auth, client):
    """Members cannot read the outbox; coordinators read their community's, admins all."""
    community = make_community()
    other = make_community()
    make_member(community, email="member@example.org")
    make_member(community, role=Role.COORDINATOR, email="coord@example.org")
    make_user(email="admin@example.org", admin=True)
    _applicant(community, email="nour@example.org")
    auth.post("/auth/forgot", {"email": "nour@example.org"})
    message = db.session.scalars(select(OutboxMessage)).one()
    message.community_id = community.id
    db.session.commit()

    auth.login("member@example.org", PASSWORD)
    assert client.get(f"/c/{community.slug}/outbox/").status_code == 403
    assert client.get("/admin/outbox/").status_code == 403
    auth.logout()

    auth.login("coord@example.org", PASSWORD)
    assert "Reset your Timebank password" in client.get(f"/c/{community.slug}/outbox/").get_data(
        as_text=True
    )
    assert client.get(f"/c/{other.slug}/outbox/").status_code == 404
    assert client.get("/admin/outbox/").status_code == 403
    auth.logout()

    auth.login("admin@example.org", PASSWORD)
    assert "Reset your Timebank password" in client.get("/admin/outbox/").get_data(as_text=True)
    assert client.get(f"/c/{community.slug}/outbox/").status_code == 200


def test_admin_creates_a_community_and_appoints_a_coordinator(auth, client):
    """The admin creates a community, then appoints a coordinator (audited role change)."""
    make_user(email="admin@example.org", admin=True)
    future = make_user(email="karim@example.org", name="Karim Nasser")
    auth.login("admin@example.org", PASSWORD)
    response = auth.post(
        "/admin/communities/",
        {"slug": "East-Side", "name": "East Side", "name_ar": "الحي الشرقي", "locale": "ar"},
        page="/admin/communities/",
    )
    assert response.status_code == 302
    community = db.session.scalar(select(Community).where(Community.slug == "east-side"))
    assert community.name_ar == "الحي الشرقي" and community.locale == "ar"
    assert _events("community.create") == 1
    taken = auth.post(
        "/admin/communities/",
        {"slug": "east-side", "name": "Again", "locale": "en"},
        page="/admin/communities/",
    )
    assert "already taken" in _field_error(taken.get_data(as_text=True), "slug")
    bad = auth.post(
        "/admin/communities/",
        {"slug": "no spaces!", "name": "Bad", "locale": "en"},
        page="/admin/communities/",
    )
    assert _field_error(bad.get_data(as_text=True), "slug")
    assert _count(Community) == 1

    url = f"/admin/communities/{community.id}"
    response = auth.post(url, {"email": "KARIM@example.org", "role": "coordinator"}, page=url)
    assert response.status_code == 302
    membership = future.membership_in(community.id)
    db.session.refresh(membership)
    assert membership.role == Role.COORDINATOR and membership.is_active
    assert membership.member_number == 1
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "membership.role_change")
    ).one()
    assert event.community_id == community.id and event.details["to"] == "coordinator"
    unknown = auth.post(url, {"email": "nobody@example.org", "role": "coordinator"}, page=url)
    assert "No account uses this e-mail address." in _field_error(
        unknown.get_data(as_text=True), "email"
    )
    auth.logout()
    auth.login("karim@example.org", PASSWORD)
    assert client.get(f"/c/{community.slug}/applicants/").status_code == 200


def test_one_community_sends_home_to_it_two_show_the_list(client):
    """With one community ``/`` redirects to it; with two it lists them."""
    empty = client.get("/")
    assert empty.status_code == 200
    first = make_community(name="Alpha Bank")
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/c/{first.slug}/"
    make_community(name="Beta Bank")
    page = client.get("/").get_data(as_text=True)
    assert "Alpha Bank" in page and "Beta Bank" in page


def test_language_choice_is_remembered_per_user(app, auth, client):
    """A logged-in choice is stored in ``users.locale`` and follows the user elsewhere."""
    user = make_user(email="salma@example.org", locale="en")
    auth.login("salma@example.org", PASSWORD)
    auth.post("/language", {"lang": "ar", "next": "/account/"})
    db.session.refresh(user)
    assert user.locale == "ar"
    elsewhere = Browser(app.test_client())
    elsewhere.login("salma@example.org", PASSWORD)
    page = elsewhere.client.get("/account/", headers={"Accept-Language": "en"})
    assert '<html lang="ar" dir="rtl">' in page.get_data(as_text=True)


def test_language_choice_is_remembered_per_session_for_visitors(app, browser, client):
    """An anonymous choice lasts for the session and does not leak to other visitors."""
    browser.post("/language", {"lang": "ar"})
    for _ in range(2):
        page = client.get("/auth/login", headers={"Accept-Language": "en"})
        assert '<html lang="ar" dir="rtl">' in page.get_data(as_text=True)
    stranger = app.test_client().get("/auth/login", headers={"Accept-Language": "en"})
    assert '<html lang="en" dir="ltr">' in stranger.get_data(as_text=True)
    assert _count(User) == 0


def test_unknown_language_is_ignored(browser, client):
    """A tampered language code changes nothing."""
    response = browser.post("/language", {"lang": "xx"})
    assert response.status_code == 302
    assert '<html lang="en" dir="ltr">' in client.get("/auth/login").get_data(as_text=True)


def test_visitor_language_choice_survives_login(browser, client):
    """Without a saved language, the choice made before login stays; else the browser's."""
    make_user(email="nolocale@example.org", locale=None)
    browser.post("/language", {"lang": "ar"})
    browser.login("nolocale@example.org", PASSWORD)
    page = client.get("/account/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    browser.logout()
    browser.login("nolocale@example.org", PASSWORD)
    page = client.get("/account/", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    page = client.get("/account/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page


def test_audit_events_hold_no_personal_data(auth, browser):
    """Audit rows carry identifiers only: no e-mail address, name or password."""
    community = make_community()
    browser.post("/auth/register", _form(community))
    auth.login("mariam@example.org", "a wrong password here")
    auth.login("ghost@example.org", "a wrong password here")
    auth.login("mariam@example.org", STRONG)
    rows = db.session.execute(select(AuditEvent.__table__)).all()
    assert len(rows) >= 4
    text = repr(rows)
    for secret in ("mariam", "Mariam", "ghost", STRONG, "a wrong password"):
        assert secret not in text


def test_language_switcher_only_returns_to_local_pages(browser):
    """The switcher's ``next`` cannot send the reader to another site."""
    for target in ("//evil.example", "https://evil.example/", "/\\evil.example", "javascript:x"):
        response = browser.post("/language", {"lang": "ar", "next": target})
        assert response.headers["Location"] == "/", target
    response = browser.post("/language", {"lang": "en", "next": "/auth/login?x=1"})
    assert response.headers["Location"] == "/auth/login?x=1"
