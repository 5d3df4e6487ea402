"""Coordinator pages: bulk decisions with per-item outcomes, grants, group exchanges,
the policy; and donations by members. (Member limits: tests/web/test_limits_page.py.)"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from tests.conftest import csrf_token_from
from tests.web.ledger_helpers import balance, counts, form_key, login, make_town
from timebank.extensions import db
from timebank.models import AuditEvent, Exchange, ExchangeStatus
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.ledger import posting as ledger


def _pending(town, provider, recipient, minutes, key, actor=None):
    """Recorded by the recipient unless told: their own word, so the policy alone decides
    what follows."""
    return exchanges.record(
        town.community, actor=(actor or recipient).user, provider=provider, recipient=recipient,
        minutes=minutes, service_date=date.today(), category="gardening", idempotency_key=key,
    )  # fmt: skip


def _form(client, url) -> dict:
    html = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(html)}
    if "idempotency_key" in html:
        data["idempotency_key"] = form_key(html)
    return data


def test_bulk_approval_reports_each_outcome(app, auth, client):
    """Approved, already decided and limit exceeded are reported one by one."""
    town = make_town(require_confirmation=False, approval_conditions="always")
    fine = _pending(town, town.salma, town.omar, 60, "bulk-0001")
    decided = _pending(town, town.salma, town.omar, 30, "bulk-0002")
    too_much = _pending(town, town.salma, town.grace, 480, "bulk-0003")
    db.session.commit()
    exchanges.reject(decided, actor=town.coordinator2.user, reason="duplicate")
    account = ledger.ensure_account(town.grace)
    account.credit_limit = 60
    db.session.commit()
    login(auth, town.coordinator)
    queue = client.get(town.url("hours/queue")).get_data(as_text=True)
    assert "Approving would cross a limit" in queue and "decided on its own" in queue
    response = auth.post(
        town.url("hours/queue/decide"),
        {"ids": [str(fine.id), str(decided.id), str(too_much.id)], "decision": "approve"},
        page=town.url("hours/queue"),
    )
    page = response.get_data(as_text=True)
    assert "Approved and posted" in page
    assert "Already decided by someone else" in page
    assert "a balance would cross its limit" in page
    db.session.expire_all()
    assert fine.status == ExchangeStatus.POSTED
    assert too_much.status == ExchangeStatus.AWAITING_APPROVAL
    assert balance(town.salma) == 60


def test_bulk_rejection_needs_a_reason(app, auth, client):
    """Rejecting the selected without a reason changes nothing."""
    town = make_town(require_confirmation=False, approval_conditions="always")
    pending = _pending(town, town.salma, town.omar, 60, "bulk-0004")
    db.session.commit()
    login(auth, town.coordinator)
    url = town.url("hours/queue/decide")
    response = auth.post(url, {"ids": [str(pending.id)], "decision": "reject"},
                         page=town.url("hours/queue"), follow_redirects=True)  # fmt: skip
    assert "Give a reason" in response.get_data(as_text=True)
    auth.post(url, {"ids": [str(pending.id)], "decision": "reject", "reason": "Not agreed"},
              page=town.url("hours/queue"))  # fmt: skip
    db.session.expire_all()
    assert pending.status == ExchangeStatus.REJECTED


def test_queue_filters(app, auth, client):
    """Status, category, member and dates narrow the queue."""
    town = make_town(require_confirmation=False, approval_conditions="always")
    _pending(town, town.salma, town.omar, 60, "filter-001")
    _pending(town, town.grace, town.coordinator2, 45, "filter-002")
    db.session.commit()
    login(auth, town.coordinator)
    by_member = client.get(town.url(f"hours/queue?member={town.grace.member_number}"))
    html = by_member.get_data(as_text=True)
    assert "Grace Miller" in html and "Salma Khoury" not in html
    future = client.get(town.url("hours/queue?date_from=2100-01-01")).get_data(as_text=True)
    assert "Nothing is waiting" in future
    other = client.get(town.url("hours/queue?category=transport")).get_data(as_text=True)
    assert "Nothing is waiting" in other
    assert client.get(town.url("hours/queue?member=abc&date_to=nonsense")).status_code == 200


def test_donate_and_grant_through_the_pot(app, auth, client):
    """A member gives hours to the pot; a coordinator grants them, with a reason."""
    town = make_town()
    login(auth, town.salma)
    url = town.url("hours/donate")
    data = {**_form(client, url), "duration": "١"}
    assert client.post(url, data=data).status_code == 302
    assert client.post(url, data=data).status_code == 302  # double submit
    assert balance(town.salma) == -1 and counts() == (1, 2)
    data = {**_form(client, url), "duration": "0"}
    assert "at least one minute" in client.post(url, data=data).get_data(as_text=True)
    login(auth, town.coordinator)
    url = town.url("hours/grant")
    data = {**_form(client, url), "member": str(town.grace.member_number), "duration": "5",
            "reason": "Cannot give back"}  # fmt: skip
    refused = client.post(url, data=data).get_data(as_text=True)
    assert "limit" in refused and counts() == (1, 2)
    data = {**data, "duration": "1"}
    assert client.post(url, data=data).status_code == 302
    assert balance(town.grace) == 1 and counts() == (2, 4)
    data = {**_form(client, url), "member": str(town.coordinator.member_number),
            "duration": "1", "reason": "me"}  # fmt: skip
    assert "cannot grant hours to yourself" in client.post(url, data=data).get_data(as_text=True)


def test_group_exchange_posts_all_or_names_the_member_over_the_limit(app, auth, client):
    """One provider → three recipients posts three; a limit names the member, posts none."""
    town = make_town()
    login(auth, town.coordinator)
    url = town.url("hours/group")
    base = {
        "shape": "one_to_many", "one": str(town.salma.member_number),
        "many": f"{town.omar.member_number}، {town.grace.member_number}",
        "duration": "2:00", "service_date": date.today().isoformat(), "category": "arts",
    }  # fmt: skip
    account = ledger.ensure_account(town.grace)
    account.credit_limit = 60
    db.session.commit()
    refused = client.post(url, data={**_form(client, url), **base})
    assert "Grace Miller" in refused.get_data(as_text=True) and counts() == (0, 0)
    bad = client.post(url, data={**_form(client, url), **base, "many": "999"})
    assert "No member has the number 999" in bad.get_data(as_text=True)
    base["many"] = f"{town.omar.member_number} {town.coordinator2.member_number}"
    done = client.post(url, data={**_form(client, url), **base})
    assert done.status_code == 302
    assert counts() == (2, 4) and balance(town.salma) == 240
    detail = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "One of 2 exchanges recorded together" in detail


def test_policy_page_updates_the_policy_and_refuses_bad_numbers(app, auth, client):
    """Coordinators change the policy; bad numbers are refused next to their field."""
    town = make_town()
    login(auth, town.coordinator)
    url = town.url("policy")
    data = {
        **_form(client, url), "approval_conditions": ["above_minutes", "proxy_or_paper"],
        "approval_above_minutes": "١٢٠", "approval_first_exchanges": "3",
        "default_credit_limit": "300", "default_upper_limit": "", "max_minutes_per_exchange": "600",
        "pending_expiry_days": "14",
    }  # fmt: skip
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    community = town.community
    assert (
        community.require_confirmation is False
        and community.approval_conditions == "above_minutes,proxy_or_paper"
    )
    assert community.approval_above_minutes == 120 and community.pending_expiry_days == 14
    bad = client.post(url, data={**data, "max_minutes_per_exchange": "0"})
    assert bad.status_code == 200 and 'id="max_minutes_per_exchange-error"' in bad.get_data(
        as_text=True
    )
    nan = client.post(url, data={**data, "pending_expiry_days": "NaN"})
    assert "Enter a whole number" in nan.get_data(as_text=True)
    events = db.session.scalar(select(func.count()).where(AuditEvent.action == "community.policy"))
    assert events == 1


def test_detail_shows_history_and_links_reversal_both_ways(app, auth, client):
    """The original links to its reversal and back; nothing is deleted."""
    town = make_town(require_confirmation=False)
    original = _pending(town, town.salma, town.omar, 60, "detail-001")
    db.session.commit()
    reversal = exchanges.reverse(original, actor=town.coordinator.user, reason="Typo")
    db.session.commit()
    login(auth, town.salma)
    page = client.get(town.url(f"hours/exchanges/{original.id}")).get_data(as_text=True)
    assert f"/hours/exchanges/{reversal.id}" in page and "Reversed" in page
    page = client.get(town.url(f"hours/exchanges/{reversal.id}")).get_data(as_text=True)
    assert f"/hours/exchanges/{original.id}" in page and "Typo" in page
    assert db.session.scalar(select(func.count()).select_from(Exchange)) == 2
    movements_count = counts()
    assert movements_count == (2, 4)


def test_reject_from_the_queue_returns_to_the_queue(app, auth, client):
    """The queue's reject link asks for a reason and comes back to the queue."""
    town = make_town(require_confirmation=False, approval_conditions="always")
    pending = _pending(town, town.salma, town.omar, 60, "queue-rej-1")
    db.session.commit()
    login(auth, town.coordinator)
    queue = client.get(town.url("hours/queue")).get_data(as_text=True)
    link = f"/hours/exchanges/{pending.id}/reject?from=queue"
    assert link in queue
    url = town.url(link.lstrip("/"))
    response = auth.post(url, {"reason": "Not agreed"}, page=url)
    assert response.status_code == 302 and response.headers["Location"].endswith("/hours/queue")
    db.session.expire_all()
    assert pending.status == ExchangeStatus.REJECTED


def test_pages_explain_when_a_reader_cannot_reject_or_withdraw(app, auth, client):
    """The recorder cannot reject their own record; the other party cannot withdraw it."""
    town = make_town()
    recorded = _pending(town, town.salma, town.omar, 60, "explain-001", actor=town.salma)
    db.session.commit()
    login(auth, town.salma)
    page = client.get(town.url(f"hours/exchanges/{recorded.id}/reject")).get_data(as_text=True)
    assert "Only the other member" in page and 'name="reason"' not in page
    login(auth, town.omar)
    page = client.get(town.url(f"hours/exchanges/{recorded.id}/cancel")).get_data(as_text=True)
    assert "Only the person who recorded" in page
