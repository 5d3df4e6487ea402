"""The account page: joining another community, password change and reset edge cases."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.factories import PASSWORD, make_community, make_member, make_reset_token, make_user
from timebank.extensions import db
from timebank.models import AuditEvent, Membership, MembershipStatus


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_member_applies_to_another_community(auth, client):
    """A member applies to a second community from /account/ (one audit event)."""
    home, other = make_community(), make_community()
    member = make_member(home, email="joiner@example.org")
    auth.login("joiner@example.org", PASSWORD)
    page = client.get("/account/").get_data(as_text=True)
    assert f'value="{other.id}"' in page and f'value="{home.id}"' not in page
    response = auth.post("/account/join", {"community": str(other.id)}, page="/account/")
    assert response.status_code == 302
    db.session.refresh(member.user)
    membership = member.user.membership_in(other.id)
    assert membership.status == MembershipStatus.APPLYING
    assert _count(AuditEvent, AuditEvent.action == "membership.apply") == 1
    again = auth.post("/account/join", {"community": str(other.id)}, page="/account/")
    assert again.status_code == 400
    assert _count(Membership, Membership.community_id == other.id) == 1


def test_join_refuses_control_characters(auth):
    """The motivation on the join form refuses control characters too."""
    make_community()
    other = make_community()
    make_user(email="joiner@example.org")
    auth.login("joiner@example.org", PASSWORD)
    response = auth.post(
        "/account/join", {"community": str(other.id), "motivation": "hi\u202e"}, page="/account/"
    )
    assert response.status_code == 400
    assert "Remove the invisible control characters." in response.get_data(as_text=True)
    assert _count(Membership) == 0


def test_wrong_current_password_is_refused_next_to_the_field(auth):
    """Changing the password needs the current one; the message sits next to it."""
    make_user(email="hana@example.org")
    auth.login("hana@example.org", PASSWORD)
    response = auth.post(
        "/account/password",
        {"current_password": "not my password", "new_password": "a brand new sentence"},
        page="/account/password",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'id="current_password-error".*The current password is not correct', page)
    assert _count(AuditEvent, AuditEvent.action == "password.change") == 0


def test_expired_reset_link_is_refused(app, client):
    """A reset link older than its lifetime shows the translated "invalid" page."""
    user = make_user(email="late@example.org")
    link = f"/auth/reset/{make_reset_token(user)}"
    assert client.get(link).status_code == 200
    app.config["PASSWORD_RESET_MAX_AGE"] = -1  # every link is now too old
    response = client.get(link)
    assert response.status_code == 400
    assert "invalid, expired or already used" in response.get_data(as_text=True)


def test_reset_refuses_a_weak_password_and_keeps_the_link_usable(auth, client):
    """A weak new password gets a message; the link still works for a good one."""
    user = make_user(email="weak@example.org", name="Weak Person")
    link = f"/auth/reset/{make_reset_token(user)}"
    weak = auth.post(link, {"password": "weak@example.org"}, page=link)
    assert weak.status_code == 200
    assert "must not contain your e-mail address or name" in weak.get_data(as_text=True)
    assert auth.post(link, {"password": "a fine long sentence"}, page=link).status_code == 302
    assert auth.login("weak@example.org", "a fine long sentence").status_code == 302


def test_reset_unlocks_a_locked_account(app, auth):
    """After a lockout, resetting the password lets the owner in again."""
    user = make_user(email="locked@example.org")
    for _ in range(app.config["LOGIN_LOCKOUT_THRESHOLD"]):
        auth.login("locked@example.org", "wrong password again")
    link = f"/auth/reset/{make_reset_token(user)}"
    auth.post(link, {"password": "a fresh long sentence"}, page=link)
    assert auth.login("locked@example.org", "a fresh long sentence").status_code == 302


def test_logout_needs_post(auth, client):
    """Logging out is a POST (a link or image cannot log someone out)."""
    make_user(email="stay@example.org")
    auth.login("stay@example.org", PASSWORD)
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert client.get("/account/").status_code == 200
