"""Logging in and out, lockout, sessions that really end, password change and reset."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.factories import PASSWORD, make_community, make_member, make_user
from timebank.extensions import db
from timebank.models import AuditEvent, OutboxMessage, User


def _events(action: str) -> int:
    return db.session.scalar(select(func.count()).where(AuditEvent.action == action))


def test_login_and_logout_write_audit_events(auth, client):
    """A member logs in through the form, sees their account, and logs out."""
    user = make_user(email="salma@example.org")
    response = auth.login("Salma@Example.org", PASSWORD)
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    assert _events("login.success") == 1
    auth.logout()
    assert client.get("/account/").status_code == 302
    assert db.session.get(User, user.id).failed_logins == 0


def test_wrong_password_and_unknown_email_give_the_same_message(auth):
    """The failure message does not reveal whether the e-mail address exists."""
    make_user(email="omar@example.org")
    wrong = auth.login("omar@example.org", "not the password at all").get_data(as_text=True)
    unknown = auth.login("nobody@example.org", "not the password at all").get_data(as_text=True)
    message = "The e-mail address or password is not correct"
    assert message in wrong and message in unknown
    assert _events("login.failure") == 2


def test_lockout_refuses_even_the_right_password(auth, app):
    """Five failures lock the account for a while; the right password is refused meanwhile."""
    user = make_user(email="grace@example.org")
    for _ in range(app.config["LOGIN_LOCKOUT_THRESHOLD"]):
        auth.login("grace@example.org", "wrong password number one")
    response = auth.login("grace@example.org", PASSWORD)
    assert response.status_code == 200
    assert db.session.get(User, user.id).locked_until is not None
    assert _events("login.locked") == 1


def test_cookie_captured_before_logout_no_longer_works(app, auth, client):
    """Logout rotates the session token, so a replayed cookie is anonymous."""
    make_user(email="yusuf@example.org")
    auth.login("yusuf@example.org", PASSWORD)
    cookie = client.get_cookie("session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/account/").status_code == 302


def test_password_change_ends_other_sessions(app, auth, client):
    """Changing the password logs out every other device but keeps this one."""
    make_user(email="layla@example.org")
    other = app.test_client()
    from tests.conftest import Browser

    Browser(other).login("layla@example.org", PASSWORD)
    auth.login("layla@example.org", PASSWORD)
    new = "a brand new sentence for me"
    response = auth.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": new},
        page="/account/password",
    )
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    assert other.get("/account/").status_code == 302
    assert _events("password.change") == 1


def test_password_change_rejects_weak_password_and_keeps_old(auth):
    """A weak new password gets a message next to the field; the old one still works."""
    make_user(email="hana@example.org", name="Hana Saleh")
    auth.login("hana@example.org", PASSWORD)
    response = auth.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": "short"},
        page="/account/password",
    )
    assert response.status_code == 200
    assert "Use at least 12 characters." in response.get_data(as_text=True)
    auth.logout()
    assert auth.login("hana@example.org", PASSWORD).status_code == 302


def _reset_link(address: str) -> str:
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == address)
    ).all()[-1]
    return re.search(r"http://localhost(/auth/reset/\S+)", message.body).group(1)


def test_password_reset_is_single_use(auth, client):
    """A reset link works once; the new password logs in; reusing the link fails."""
    make_user(email="ruth@example.org")
    auth.post("/auth/forgot", {"email": "RUTH@example.org"})
    link = _reset_link("ruth@example.org")
    assert client.get(link).status_code == 200
    new = "she chooses a long new phrase"
    assert auth.post(link, {"password": new}, page=link).status_code == 302
    assert auth.login("ruth@example.org", new).status_code == 302
    assert client.get(link).status_code == 400


def test_reset_for_unknown_address_looks_the_same(auth):
    """Asking for a reset for an unknown address says the same and sends nothing."""
    response = auth.post("/auth/forgot", {"email": "ghost@example.org"}, follow_redirects=True)
    assert "If an account uses this address" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_tampered_reset_token_is_refused(client):
    """A forged or tampered token shows a translated page, never a 500."""
    assert client.get("/auth/reset/not-a-real-token").status_code == 400


def test_next_only_redirects_to_local_paths(auth):
    """A tampered ``next`` cannot send the member to another site."""
    make_user(email="adam@example.org")
    for target in (
        "//evil.example",
        "https://evil.example/",
        "/\\evil.example",
        "https:evil.example",
    ):
        response = auth.login("adam@example.org", PASSWORD, query_string={"next": target})
        assert response.headers["Location"] == "/", target
        auth.logout()
    response = auth.login("adam@example.org", PASSWORD, query_string={"next": "/account/"})
    assert response.headers["Location"] == "/account/"


def test_suspended_membership_does_not_open_member_pages(auth, client):
    """Only active members see a community's member pages."""
    community = make_community()
    from timebank.models import MembershipStatus

    member = make_member(community, status=MembershipStatus.SUSPENDED, email="sus@example.org")
    assert member.status == MembershipStatus.SUSPENDED
    auth.login("sus@example.org", PASSWORD)
    assert client.get(f"/c/{community.slug}/members/").status_code == 404
