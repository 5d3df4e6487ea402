"""Recording, confirming and approving exchanges through the real forms; bad input."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token_from
from tests.factories import make_community, make_member
from tests.web.ledger_helpers import balance, counts, form_key, login, make_town
from timebank.extensions import db
from timebank.models import Exchange, ExchangeStatus, MembershipStatus
from timebank.services.exchanges import lifecycle as exchanges


@pytest.fixture
def town(app):
    return make_town()


def record_data(client, town, **overrides) -> dict:
    html = client.get(town.url("hours/record")).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token_from(html),
        "idempotency_key": form_key(html),
        "direction": "gave",
        "member": str(town.omar.member_number),
        "duration": "1:30",
        "service_date": date.today().isoformat(),
        "category": "gardening",
        "description": "Pruned the roses",
    }
    data.update(overrides)
    return data


def test_member_records_previews_saves_other_confirms_and_it_posts(client, auth, town):
    """Record → preview (nothing saved) → save → the other member confirms → posted."""
    login(auth, town.salma)
    data = record_data(client, town)
    preview = client.post(town.url("hours/record"), data={**data, "action": "preview"})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Omar Farouk" in page and "1 h 30 min" in page and "Save" in page
    assert counts() == (0, 0)
    saved = client.post(town.url("hours/record"), data={**data, "action": "save"})
    assert saved.status_code == 302
    exchange = db.session.scalar(select(Exchange))
    assert exchange.minutes == 90 and exchange.status == ExchangeStatus.RECORDED
    login(auth, town.omar)
    hours = client.get(town.url("hours/")).get_data(as_text=True)
    assert "Waiting for your confirmation" in hours and f"Confirm exchange {exchange.id}" in hours
    response = auth.post(
        town.url(f"hours/exchanges/{exchange.id}/confirm"),
        {"minutes": "5000", "status": "cancelled"},
        page=town.url("hours/"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert exchange.status == ExchangeStatus.POSTED and exchange.minutes == 90
    assert balance(town.salma) == 90 and balance(town.omar) == -90
    login(auth, town.salma)
    page = client.get(town.url("hours/")).get_data(as_text=True)
    assert "1 h 30 min" in page and "more than you received" in page


def test_journey_through_the_approval_queue(client, auth, town):
    """With approval always required, the coordinator approves from the queue."""
    town.community.approval_conditions = "always"
    db.session.commit()
    login(auth, town.omar)
    data = record_data(client, town, direction="received", member=str(town.salma.member_number))
    assert client.post(town.url("hours/record"), data={**data, "action": "save"}).status_code == 302
    exchange = db.session.scalar(select(Exchange))
    login(auth, town.salma)
    auth.post(town.url(f"hours/exchanges/{exchange.id}/confirm"), page=town.url("hours/"))
    db.session.expire_all()
    assert exchange.status == ExchangeStatus.AWAITING_APPROVAL
    login(auth, town.coordinator)
    queue = client.get(town.url("hours/queue")).get_data(as_text=True)
    assert f"Approve exchange {exchange.id}" in queue and "Salma Khoury" in queue
    response = auth.post(
        town.url(f"hours/exchanges/{exchange.id}/approve"), page=town.url("hours/queue")
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert exchange.status == ExchangeStatus.POSTED
    assert balance(town.salma) == 90 and balance(town.omar) == -90
    statement = client.get(town.url("hours/statement"))
    assert statement.status_code == 200


def test_arabic_indic_duration_and_hours_minutes_fields(client, auth, town):
    """١:٣٠ and the hours + minutes fields are understood as 90 minutes."""
    login(auth, town.salma)
    data = record_data(client, town, duration="١:٣٠")
    client.post(town.url("hours/record"), data={**data, "action": "save"})
    data = record_data(client, town, duration="", hours="2", minutes="15")
    client.post(town.url("hours/record"), data={**data, "action": "save"})
    minutes = sorted(db.session.scalars(select(Exchange.minutes)))
    assert minutes == [90, 135]


@pytest.mark.parametrize(
    "duration",
    ["0", "-5", "9999", "NaN", "inf", "1e3", "1_000", "", "an hour", "1:٣٠", "1.333"],
)
def test_bad_durations_are_refused_next_to_the_field(client, auth, town, duration):
    """Each bad duration gets a message on the duration field; nothing is saved."""
    login(auth, town.salma)
    data = record_data(client, town, duration=duration)
    for action in ("preview", "save"):
        response = client.post(town.url("hours/record"), data={**data, "action": action})
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert 'id="duration-error"' in page
        assert f'value="{duration}"' in page or duration == ""
    assert counts() == (0, 0)


def test_counterpart_from_another_community_suspended_or_oneself(client, auth, town):
    """Other community, suspended member and oneself: a clear message, nothing saved."""
    elsewhere = make_community()
    stranger = make_member(elsewhere, name="Stranger Danger", password=None)
    suspended = make_member(
        town.community, name="Sam Suspended", password=None, status=MembershipStatus.SUSPENDED
    )
    login(auth, town.salma)
    cases = {
        "Stranger": "No member of this community matches",
        str(suspended.member_number): "not active",
        str(town.salma.member_number): "two different members",
    }
    assert stranger.member_number is not None
    for member, message in cases.items():
        data = record_data(client, town, member=member)
        page = client.post(town.url("hours/record"), data={**data, "action": "save"})
        assert page.status_code == 400
        assert message in page.get_data(as_text=True)
    assert counts() == (0, 0)


def test_several_matching_names_offer_a_choice(client, auth, town):
    """A name matching several members shows them as choices; picking one previews it."""
    make_member(town.community, name="Omar Haddad", password=None)
    login(auth, town.salma)
    data = record_data(client, town, member="omar")
    page = client.post(town.url("hours/record"), data={**data, "action": "preview"})
    html = page.get_data(as_text=True)
    assert "Several members match" in html and "Omar Haddad" in html
    data["pick"] = str(town.omar.member_number)
    preview = client.post(town.url("hours/record"), data={**data, "action": "preview"})
    assert preview.status_code == 200 and "Omar Farouk" in preview.get_data(as_text=True)
    assert counts() == (0, 0)


def test_mass_assigned_fields_are_ignored(client, auth, town):
    """status=posted and account ids in the form change nothing but what the form allows."""
    login(auth, town.salma)
    data = record_data(
        client,
        town,
        status="posted",
        provider_account_id="1",
        recipient_account_id="2",
        minutes="999",
    )
    client.post(town.url("hours/record"), data={**data, "action": "save"})
    exchange = db.session.scalar(select(Exchange))
    assert exchange.status == ExchangeStatus.RECORDED and exchange.minutes == 90
    assert counts() == (1, 0)


def test_double_submitted_save_creates_one_exchange(client, auth, town):
    """The same form saved twice (double click) creates one exchange."""
    login(auth, town.salma)
    data = {**record_data(client, town), "action": "save"}
    first = client.post(town.url("hours/record"), data=data)
    second = client.post(town.url("hours/record"), data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert counts() == (1, 0)


def test_change_goes_back_to_the_form_with_the_input_kept(client, auth, town):
    """ "Change" on the preview returns to the form with what was typed."""
    login(auth, town.salma)
    data = record_data(client, town, description="Pruned the roses")
    page = client.post(town.url("hours/record"), data={**data, "action": "change"})
    html = page.get_data(as_text=True)
    assert "Pruned the roses" in html and 'value="1:30"' in html
    assert counts() == (0, 0)


def test_a_party_cannot_approve_and_a_decided_exchange_stays_decided(client, auth, town):
    """A coordinator who took part is told why; approving twice changes nothing."""
    town.community.approval_conditions = "always"
    town.community.require_confirmation = False
    db.session.commit()
    login(auth, town.coordinator)
    # The coordinator received: their own word as the debited party, agreed at once.
    data = record_data(client, town, member=str(town.omar.member_number), direction="received")
    client.post(town.url("hours/record"), data={**data, "action": "save"})
    exchange = db.session.scalar(select(Exchange))
    assert exchange.status == ExchangeStatus.AWAITING_APPROVAL
    queue = client.get(town.url("hours/queue")).get_data(as_text=True)
    assert "another coordinator must decide it" in queue
    response = auth.post(
        town.url(f"hours/exchanges/{exchange.id}/approve"),
        page=town.url("hours/queue"),
        follow_redirects=True,
    )
    assert "another coordinator must decide it" in response.get_data(as_text=True)
    assert counts() == (1, 0)
    login(auth, town.coordinator2)
    auth.post(town.url(f"hours/exchanges/{exchange.id}/approve"), page=town.url("hours/queue"))
    again = auth.post(
        town.url(f"hours/exchanges/{exchange.id}/approve"),
        page=town.url("hours/queue"),
        follow_redirects=True,
    )
    assert "already been decided" in again.get_data(as_text=True)
    assert counts() == (1, 2)


def test_reject_with_reason_and_withdraw(client, auth, town):
    """The other member rejects with a reason; the recorder withdraws another."""
    login(auth, town.salma)
    for _ in range(2):
        data = record_data(client, town)
        client.post(town.url("hours/record"), data={**data, "action": "save"})
    first, second = db.session.scalars(select(Exchange).order_by(Exchange.id)).all()
    response = auth.post(
        town.url(f"hours/exchanges/{second.id}/cancel"),
        {"reason": ""},
        page=town.url(f"hours/exchanges/{second.id}/cancel"),
    )
    assert response.status_code == 302
    login(auth, town.omar)
    url = town.url(f"hours/exchanges/{first.id}/reject")
    empty = auth.post(url, {"reason": ""}, page=url)
    assert "Give a reason." in empty.get_data(as_text=True)
    auth.post(url, {"reason": "It was only one hour"}, page=url)
    db.session.expire_all()
    assert first.status == ExchangeStatus.REJECTED and second.status == ExchangeStatus.CANCELLED
    detail = client.get(town.url(f"hours/exchanges/{first.id}")).get_data(as_text=True)
    assert "It was only one hour" in detail
    assert counts() == (2, 0)


def test_coordinator_records_on_behalf_and_the_record_says_so(client, auth, town):
    """On behalf: provider and recipient by number; the detail page names both."""
    login(auth, town.coordinator)
    html = client.get(town.url("hours/record-for")).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token_from(html), "idempotency_key": form_key(html),
        "provider": str(town.salma.member_number), "recipient": str(town.omar.member_number),
        "duration": "60", "service_date": date.today().isoformat(), "category": "transport",
    }  # fmt: skip
    preview = client.post(town.url("hours/record-for"), data={**data, "action": "preview"})
    assert "Salma Khoury" in preview.get_data(as_text=True)
    saved = client.post(town.url("hours/record-for"), data={**data, "action": "save"})
    assert saved.status_code == 302
    detail = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert '<bdi dir="auto">Karim Nasser</bdi>' in detail
    text = re.sub(r"<[^>]+>", "", detail)
    assert "Recorded by Karim Nasser on behalf of Salma Khoury" in text
    # Salma's word only: Omar's balance waits for his confirmation or a coordinator decision.
    assert balance(town.salma) == 0
    assert "Confirm as coordinator" in detail
    recorded = db.session.scalar(select(Exchange))
    url = town.url(f"hours/exchanges/{recorded.id}/confirm-as-coordinator")
    auth.post(url, page=saved.headers["Location"])
    db.session.expire_all()
    assert balance(town.salma) == 60
    assert db.session.scalar(select(Exchange)).confirmed_by_id == town.coordinator.user_id


def test_reverse_needs_a_reason_and_explains_a_limit(client, auth, town):
    """A reversal creates a linked exchange; past a limit the page links to the limits."""
    login(auth, town.coordinator)
    html = client.get(town.url("hours/record-for")).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token_from(html), "idempotency_key": form_key(html),
        "provider": str(town.salma.member_number), "recipient": str(town.omar.member_number),
        "duration": "60", "service_date": date.today().isoformat(), "category": "transport",
        "action": "save",
    }  # fmt: skip
    client.post(town.url("hours/record-for"), data=data)
    exchange = db.session.scalar(select(Exchange))
    exchanges.confirm(exchange, actor=town.omar.user)  # the recipient consents
    db.session.commit()
    url = town.url(f"hours/exchanges/{exchange.id}/reverse")
    town.salma.community.default_credit_limit = 0
    from timebank.services.ledger import posting as ledger

    account = ledger.ensure_account(town.salma)
    account.credit_limit = 0
    db.session.commit()
    # Salma has +60; a donation of 60 leaves 0, so reversing would take her to -60.
    from timebank.services.exchanges import movements

    movements.donate(town.salma, actor=town.salma.user, minutes=60, idempotency_key="donate-0001")
    db.session.commit()
    blocked = auth.post(url, {"reason": "Recorded twice"}, page=url)
    page = blocked.get_data(as_text=True)
    assert "Change the limits of Salma Khoury" in page
    assert counts() == (2, 4)
    login(auth, town.coordinator2)
    limits_url = town.url(f"coordinator/members/{town.salma.id}/limits")
    auth.post(
        limits_url,
        {"credit_limit": "120", "upper_limit": "", "reason": "Reversal"},
        page=limits_url,
    )
    done = auth.post(url, {"reason": "Recorded twice"}, page=url)
    assert done.status_code == 302
    db.session.expire_all()
    assert exchange.status == ExchangeStatus.REVERSED
    assert balance(town.salma) == -60 and balance(town.omar) == 0
