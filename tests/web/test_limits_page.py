"""The one page where a coordinator overrides a member's credit limits: in the console,
linked from the member lists and from a reversal blocked by a limit; the old address
under the hour pages sends there."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from tests.conftest import csrf_token_from
from tests.web.ledger_helpers import balance, login, make_town
from timebank.extensions import db
from timebank.models import AuditEvent, MembershipStatus, Notification
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.ledger import posting as ledger


def _limits_url(town, membership) -> str:
    return town.url(f"coordinator/members/{membership.id}/limits")


def _form(client, url) -> dict:
    return {"csrf_token": csrf_token_from(client.get(url).get_data(as_text=True))}


def _events() -> int:
    return db.session.scalar(select(func.count()).where(AuditEvent.action == "account.limits"))


def test_limits_page_sets_an_override_with_a_reason(app, auth, client):
    """A coordinator overrides a member's limits; both member lists link to the page; the
    reason is required next to its field, and nothing is saved without it."""
    town = make_town()
    login(auth, town.coordinator)
    url = _limits_url(town, town.omar)
    assert url in client.get(town.url("members/")).get_data(as_text=True)
    member_page = client.get(town.url(f"coordinator/members/{town.omar.id}"))
    assert url in member_page.get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "Change the limits of" in page and "Omar Farouk" in page
    data = {**_form(client, url), "credit_limit": "1200", "upper_limit": "", "reason": ""}
    refused = client.post(url, data=data)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Give a reason" in html and 'id="reason-error"' in html
    assert _events() == 0
    assert client.post(url, data={**data, "reason": "Needs more help"}).status_code == 302
    db.session.expire_all()
    account = ledger.ensure_account(town.omar)
    assert account.credit_limit == 1200 and account.limits_overridden
    assert account.upper_limit is None and _events() == 1
    again = client.get(url).get_data(as_text=True)
    assert "community defaults no longer change them" in again


def test_bad_figures_are_refused_and_a_limit_below_the_debt_is_allowed(app, auth, client):
    """Text or a negative figure: an error on the field, nothing saved. A limit below the
    current debt is saved (audited); the member is told new debits are paused."""
    town = make_town()
    received = exchanges.record(
        town.community, actor=town.salma.user, provider=town.salma, recipient=town.omar,
        minutes=60, service_date=date.today(), category="gardening",
        idempotency_key="limits-page-1",
    )  # fmt: skip
    exchanges.confirm(received, actor=town.omar.user)
    db.session.commit()
    assert balance(town.omar) == -60
    login(auth, town.coordinator)
    url = _limits_url(town, town.omar)
    data = {**_form(client, url), "upper_limit": "", "reason": "Because"}
    for bad in ("NaN", "-5", "1.5"):
        refused = client.post(url, data={**data, "credit_limit": bad})
        assert refused.status_code == 400, bad
        assert 'id="credit_limit-error"' in refused.get_data(as_text=True), bad
    db.session.expire_all()
    account = ledger.ensure_account(town.omar)
    assert not account.limits_overridden and _events() == 0
    below = client.post(url, data={**data, "credit_limit": "30"})
    assert below.status_code == 302
    db.session.expire_all()
    account = ledger.ensure_account(town.omar)
    assert account.limits_overridden and account.credit_limit == 30 and _events() == 1
    note = db.session.scalars(
        select(Notification).where(Notification.user_id == town.omar.user_id)
    ).all()
    assert "limit_changed" in [n.kind for n in note]


def test_own_limits_and_plain_members_are_refused(app, auth, client):
    """A coordinator cannot change their own limits (said on the page); a member gets 403
    and sees no link."""
    town = make_town()
    login(auth, town.coordinator)
    own = _limits_url(town, town.coordinator)
    page = client.post(own, data={**_form(client, own), "credit_limit": "5000", "reason": "x"})
    assert "Another coordinator must change your own limits" in page.get_data(as_text=True)
    assert _events() == 0
    login(auth, town.salma)
    assert client.get(_limits_url(town, town.omar)).status_code == 403
    assert "/limits" not in client.get(town.url("members/")).get_data(as_text=True)


def test_suspended_members_limits_change_but_not_a_departed_ones(app, auth, client):
    """Suspended: the form. Left: a sentence instead, and a post changes nothing."""
    town = make_town()
    town.omar.status = MembershipStatus.SUSPENDED
    town.grace.status = MembershipStatus.LEFT
    db.session.commit()
    login(auth, town.coordinator)
    assert 'name="credit_limit"' in client.get(_limits_url(town, town.omar)).get_data(as_text=True)
    url = _limits_url(town, town.grace)
    page = client.get(url).get_data(as_text=True)
    assert "Only an active or suspended member" in page and 'name="credit_limit"' not in page
    client.post(url, data={**_form(client, url), "credit_limit": "10", "reason": "x"})
    assert _events() == 0


def test_the_old_address_sends_to_the_console_page(app, auth, client):
    """Bookmarks of the limits page under the hour pages land on the console's page."""
    town = make_town()
    login(auth, town.coordinator)
    response = client.get(town.url(f"members/{town.omar.id}/limits"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(_limits_url(town, town.omar))
