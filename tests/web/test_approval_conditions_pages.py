"""Issue 14: the policy page offers several approval conditions at once (audited); the
queue and the exchange page say which condition(s) sent an exchange to approval; Approve
past a limit is shown disabled with its reason (aria-describedby), and still refused by the
server."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from tests.conftest import csrf_token_from
from tests.web.ledger_helpers import login, make_town
from timebank.extensions import db
from timebank.models import AuditEvent, ExchangeStatus
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.exchanges import policy
from timebank.services.ledger import posting as ledger


def _queued(town, minutes, key, category="gardening"):
    exchange = exchanges.record(
        town.community, actor=town.omar.user, provider=town.salma, recipient=town.omar,
        minutes=minutes, service_date=date.today(), category=category, idempotency_key=key,
    )  # fmt: skip
    db.session.commit()
    return exchange


def test_the_policy_page_saves_several_conditions_and_audits_them(app, auth, client):
    town = make_town()
    login(auth, town.coordinator)
    url = town.url("policy")
    html = client.get(url).get_data(as_text=True)
    for condition in ("above_minutes", "categories", "companionship", "limit_crossed",
                      "first_exchanges", "proxy_or_paper"):  # fmt: skip
        assert f'value="{condition}"' in html
    data = {
        "csrf_token": csrf_token_from(html), "require_confirmation": "y",
        "approval_conditions": ["first_exchanges", "companionship", "above_minutes"],
        "approval_above_minutes": "90", "approval_first_exchanges": "2",
        "approval_categories": ["gardening"],
        "default_credit_limit": "600", "default_upper_limit": "",
        "max_minutes_per_exchange": "480", "pending_expiry_days": "30",
    }  # fmt: skip
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    community = town.community
    assert community.approval_conditions == "above_minutes,companionship,first_exchanges"
    assert community.approval_categories == "gardening" and community.approval_first_exchanges == 2
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "community.policy")
    ).one()
    assert event.details["approval_conditions"] == [
        "",
        "above_minutes,companionship,first_exchanges",
    ]
    page = client.get(url).get_data(as_text=True)
    assert re.search(
        r'value="first_exchanges"[^>]*checked|checked[^>]*value="first_exchanges"', page
    )
    bad = client.post(url, data={**data, "approval_first_exchanges": "0"})
    assert bad.status_code in (200, 400)
    assert 'id="approval_first_exchanges-error"' in bad.get_data(as_text=True)


def test_queue_and_page_say_which_conditions_sent_it(app, auth, client):
    town = make_town(require_confirmation=False)
    policy.update_policy(
        town.community, actor=town.coordinator.user,
        approval_conditions=["above_minutes", "categories", "first_exchanges"],
        approval_above_minutes=60, approval_categories=["gardening"], approval_first_exchanges=1,
    )  # fmt: skip
    db.session.commit()
    long_one = _queued(town, 90, "cond-0001")
    assert long_one.status == ExchangeStatus.AWAITING_APPROVAL
    assert long_one.approval_reasons == "above_minutes,categories,first_exchanges"
    login(auth, town.coordinator)
    queue = client.get(town.url("hours/queue")).get_data(as_text=True)
    assert "Waiting for approval because:" in queue
    assert "longer than the community allows without approval" in queue
    assert "in a category that needs approval" in queue and "first exchanges" in queue
    page = client.get(town.url(f"hours/exchanges/{long_one.id}")).get_data(as_text=True)
    assert "Waiting for approval because:" in page


def test_approve_past_a_limit_is_disabled_with_its_reason_and_refused(app, auth, client):
    town = make_town(require_confirmation=False, approval_conditions="always")
    too_much = _queued(town, 120, "cond-0002")
    account = ledger.ensure_account(town.omar)
    account.credit_limit = 60
    db.session.commit()
    login(auth, town.coordinator)
    queue = client.get(town.url("hours/queue")).get_data(as_text=True)
    button = re.search(r"<button[^>]*>Approve exchange", queue).group(0)
    assert "disabled" in button and f'aria-describedby="limit-{too_much.id}"' in button
    assert f'id="limit-{too_much.id}"' in queue
    page = client.get(town.url(f"hours/exchanges/{too_much.id}")).get_data(as_text=True)
    button = re.search(r"<button[^>]*>Approve<", page).group(0)
    assert "disabled" in button and 'aria-describedby="approve-blocked"' in button
    assert 'id="approve-blocked"' in page
    # The server still refuses it.
    response = auth.post(
        town.url(f"hours/exchanges/{too_much.id}/approve"), {}, page=town.url("hours/queue")
    )
    assert response.status_code in (302, 303, 400, 409)
    db.session.expire_all()
    assert too_much.status == ExchangeStatus.AWAITING_APPROVAL
