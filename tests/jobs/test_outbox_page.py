"""The outbox page lists the mail given up after its last attempt, with the server's
answer and "Try again"; no request waits on SMTP."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_community, make_member, make_user
from tests.jobs.helpers import backoff_over, message, write_mail
from timebank.extensions import db
from timebank.models import AuditEvent, Role


@pytest.fixture
def app_config() -> dict:
    return {"MAIL_SERVER": "smtp.test", "MAIL_USE_TLS": False, "MAIL_MAX_ATTEMPTS": 2}


def _give_up(user, smtp) -> int:
    """A message refused on both of its attempts."""
    smtp.refuse = True
    message_id = write_mail(user, "Your exchange was approved")
    backoff_over()
    from timebank.jobs import tasks

    tasks.send_mail()
    smtp.refuse = False
    assert message(message_id).error
    return message_id


def test_the_coordinator_sees_a_given_up_message_and_tries_again(app, auth, smtp):
    """Listed under "Could not be sent" with the server's answer; "Try again" sends it
    (once), audited."""
    community = make_community()
    coordinator = make_member(community, role=Role.COORDINATOR)
    member = make_member(community)
    db.session.commit()
    message_id = _give_up(member.user, smtp)
    db.session.execute(db.text("UPDATE outbox_messages SET community_id = :c"), {"c": community.id})
    db.session.commit()
    auth.login(coordinator.user.email, PASSWORD)
    page = auth.client.get(f"/c/{community.slug}/outbox/").get_data(as_text=True)
    assert "Could not be sent" in page and "SMTPServerDisconnected" in page
    assert "Given up after 2 attempts" in page
    outbox = f"/c/{community.slug}/outbox/"
    response = auth.post(f"{outbox}{message_id}/retry", page=outbox)
    assert response.status_code == 302
    assert smtp.sent == ["Your exchange was approved"]
    state = message(message_id)
    assert state.sent_at is not None and state.error is None
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "mail.retry")) == 1
    again = auth.post(f"{outbox}{message_id}/retry", page=outbox)  # sent already: no-op
    assert again.status_code == 302 and smtp.sent == ["Your exchange was approved"]
    page = auth.client.get(outbox).get_data(as_text=True)
    assert "Could not be sent" not in page


def test_another_communitys_message_cannot_be_retried(app, auth, smtp):
    """A coordinator of one community gets a 404 for a message of another; a member a 403."""
    mine, theirs = make_community(), make_community()
    coordinator = make_member(mine, role=Role.COORDINATOR)
    member = make_member(mine)
    other = make_member(theirs)
    db.session.commit()
    message_id = _give_up(other.user, smtp)
    db.session.execute(db.text("UPDATE outbox_messages SET community_id = :c"), {"c": theirs.id})
    db.session.commit()
    auth.login(coordinator.user.email, PASSWORD)
    outbox = f"/c/{mine.slug}/outbox/"
    assert auth.post(f"{outbox}{message_id}/retry", page=outbox).status_code == 404
    auth.logout()
    auth.login(member.user.email, PASSWORD)
    token_page = f"/c/{mine.slug}/"
    assert auth.post(f"{outbox}{message_id}/retry", page=token_page).status_code == 403
    assert message(message_id).error and smtp.sent == []


def test_the_administrator_retries_from_the_whole_outbox(app, auth, smtp):
    """/admin/outbox/ lists every given-up message; "Try again" sends it."""
    admin = make_user(admin=True)
    message_id = _give_up(make_user(), smtp)
    auth.login(admin.email, PASSWORD)
    page = auth.client.get("/admin/outbox/").get_data(as_text=True)
    assert "Could not be sent" in page
    auth.post(f"/admin/outbox/{message_id}/retry", page="/admin/outbox/")
    assert smtp.sent == ["Your exchange was approved"]


def test_no_request_waits_on_smtp(app, browser, smtp):
    """Outside tests, mail a request wrote is sent once its response has gone out (when
    the server closes it), not while the member waits for the page."""
    user = make_user()
    token = browser.token("/auth/forgot")
    app.testing = False
    try:
        response = browser.client.post(
            "/auth/forgot", data={"csrf_token": token, "email": user.email}
        )
        assert response.status_code in (200, 302)
        assert smtp.sent == []  # the page is complete; nothing was sent yet
        response.close()  # what the WSGI server does after the last byte
    finally:
        app.testing = True
    assert len(smtp.sent) == 1
