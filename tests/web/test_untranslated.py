"""No untranslated text: with a pseudo-Arabic catalogue that marks every message ``[ar]``,
any English text left on an Arabic page was never passed through the catalogue."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.conftest import PSEUDO_MARK, Browser
from tests.factories import PASSWORD, make_community, make_member, make_reset_token, make_user
from timebank.extensions import db
from timebank.models import MembershipStatus, Role

ARABIC = {"Accept-Language": "ar"}
LATIN = re.compile(r"[A-Za-z]")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
WEB_ADDRESS = re.compile(r"/c/[a-z0-9-]+/")  # a community's slug is data
# Not messages: each language's own name in the switcher.
ALLOWED = {"English"}
CHECKED_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")


@pytest.fixture
def app_config(pseudo_arabic, fresh_translations) -> dict:
    return {"BABEL_TRANSLATION_DIRECTORIES": pseudo_arabic}


# Inline elements that can sit inside one translated sentence (a name isolated in <bdi>).
INLINE = {"bdi", "bdo"}


class _Texts(HTMLParser):
    """Collects text runs; a run continues across inline elements, so a sentence with an
    isolated name inside it is checked as one piece."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0
        self._run: list[str] = []

    def _flush(self):
        text = "".join(self._run).strip()
        if text:
            self.texts.append(text)
        self._run = []

    def handle_starttag(self, tag, attrs):
        if tag not in INLINE:
            self._flush()
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in CHECKED_ATTRIBUTES and value:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag not in INLINE:
            self._flush()
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self._run.append(data)

    def close(self):
        super().close()
        self._flush()


def untranslated(html: str) -> list[str]:
    parser = _Texts()
    parser.feed(html)
    parser.close()
    problems = []
    for text in parser.texts:
        bare = WEB_ADDRESS.sub("", EMAIL.sub("", text))
        if not LATIN.search(bare) or PSEUDO_MARK in text or bare.strip() in ALLOWED:
            continue
        problems.append(text)
    return problems


def _check(client, path: str, *, status: int = 200, **kwargs) -> None:
    response = client.get(path, headers=ARABIC, **kwargs)
    assert response.status_code == status, path
    page = response.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page, path
    assert untranslated(page) == [], path


def _arabic_member(community, role=Role.MEMBER, status=MembershipStatus.ACTIVE, n=1):
    return make_member(
        community,
        role=role,
        status=status,
        name=f"عضو رقم {n}",
        email=f"{role.value}{n}-{status.value}@example.org",
        locale="ar",
    )


def test_the_checker_notices_english_text():
    """The checker itself flags text that skipped the catalogue."""
    assert untranslated("<p>[ar] Hello</p><p>Oops</p>") == ["Oops"]
    assert untranslated('<p aria-label="Menu">[ar] x</p>') == ["Menu"]
    assert untranslated("<p>salma@example.org</p><p>English</p>") == []


def test_public_pages_have_no_untranslated_text(client, browser):
    """Home, login, register, forgotten password, reset, community and error pages."""
    community = make_community()
    make_community()
    user = make_user(name="سلمى", email="salma@example.org")
    for path in ("/", "/auth/login", "/auth/register", "/auth/forgot", f"/c/{community.slug}/"):
        _check(client, path)
    _check(client, f"/auth/reset/{make_reset_token(user)}")
    _check(client, "/auth/reset/forged-token", status=400)
    _check(client, "/no-such-page", status=404)
    wrong = browser.post(
        "/auth/login", {"email": "x@example.org", "password": "nope"}, headers=ARABIC
    )
    assert untranslated(wrong.get_data(as_text=True)) == []
    refused = browser.post(
        "/auth/register",
        {"community": str(community.id), "display_name": "\u202e", "email": "bad"},
        headers=ARABIC,
    )
    assert "error-summary" in refused.get_data(as_text=True)
    assert untranslated(refused.get_data(as_text=True)) == []


def test_member_pages_have_no_untranslated_text(app, client):
    """Account, password, community and member list, and the 403 page, for a member."""
    community = make_community()
    member = _arabic_member(community)
    Browser(client).login(member.user.email, PASSWORD)
    for path in ("/account/", "/account/password", f"/c/{community.slug}/"):
        _check(client, path)
    _check(client, f"/c/{community.slug}/members/")
    _check(client, f"/c/{community.slug}/applicants/", status=403)
    changed = Browser(client).post(
        "/account/password",
        {"current_password": "wrong wrong wrong", "new_password": "x"},
        headers=ARABIC,
    )
    assert untranslated(changed.get_data(as_text=True)) == []


def test_applicant_pages_have_no_untranslated_text(client):
    """Waiting and declined applicants see only translated text (and what people wrote)."""
    community = make_community()
    waiting = _arabic_member(community, status=MembershipStatus.APPLYING, n=2)
    declined = _arabic_member(community, status=MembershipStatus.APPLYING, n=3)
    declined.status = MembershipStatus.DECLINED
    declined.decision_reason = "نعتذر، اكتمل العدد."
    db.session.commit()
    for user in (waiting.user, declined.user):
        browser = Browser(client)
        browser.login(user.email, PASSWORD)
        _check(client, "/account/")
        _check(client, f"/c/{community.slug}/")
        browser.logout()


def test_coordinator_and_admin_pages_have_no_untranslated_text(client):
    """Applicants, decline form, outbox and administration pages."""
    community = make_community()
    coordinator = _arabic_member(community, role=Role.COORDINATOR)
    applicant = _arabic_member(community, status=MembershipStatus.APPLYING, n=4)
    admin = make_user(name="مديرة", email="admin@example.org", admin=True, locale="ar")
    browser = Browser(client)
    browser.login(coordinator.user.email, PASSWORD)
    _check(client, f"/c/{community.slug}/applicants/")
    _check(client, f"/c/{community.slug}/applicants/{applicant.id}/decline")
    _check(client, f"/c/{community.slug}/outbox/")
    browser.logout()
    browser.login(admin.email, PASSWORD)
    _check(client, "/admin/communities/")
    _check(client, f"/admin/communities/{community.id}")
    _check(client, "/admin/outbox/")


def test_flashed_messages_are_translated(client):
    """Messages shown after a redirect (log in first, approved, logged out) are translated."""
    community = make_community()
    coordinator = _arabic_member(community, role=Role.COORDINATOR)
    applicant = _arabic_member(community, status=MembershipStatus.APPLYING, n=5)
    page = client.get("/account/", headers=ARABIC, follow_redirects=True).get_data(as_text=True)
    assert f"{PSEUDO_MARK} Please log in to see this page." in page
    assert untranslated(page) == []
    browser = Browser(client)
    browser.login(coordinator.user.email, PASSWORD)
    approved = browser.post(
        f"/c/{community.slug}/applicants/{applicant.id}/approve",
        headers=ARABIC,
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "flash-success" in approved
    assert untranslated(approved) == []
    again = browser.post(
        f"/c/{community.slug}/applicants/{applicant.id}/approve",
        headers=ARABIC,
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "flash-error" in again
    assert untranslated(again) == []
    logged_out = browser.client.post(
        "/auth/logout",
        data={"csrf_token": browser.token("/account/")},
        headers=ARABIC,
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "flash-success" in logged_out
    assert untranslated(logged_out) == []
