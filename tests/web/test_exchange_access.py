"""Who may open each hour page: anonymous → login, another community → 404, a plain
member on coordinator pages → 403, exchange pages only for its parties and coordinators."""

from __future__ import annotations

from datetime import date

import pytest
from flask import url_for

from tests.factories import make_community
from tests.web.ledger_helpers import counts, login, make_town, member
from timebank.extensions import db
from timebank.models import Exchange, ExchangeStatus
from timebank.services.exchanges import lifecycle as exchanges

# endpoint → who may use it: "member", "party" (the exchange's parties and coordinators),
# "coordinator"; and whether it answers GET.
ROUTES = {
    "exchanges.my_hours": ("member", True),
    "exchanges.record": ("member", True),
    "exchanges.statement": ("member", True),
    "exchanges.statement_csv": ("member", True),
    "exchanges.statement_print": ("member", True),
    "exchanges.donate": ("member", True),
    "exchanges.detail": ("party", True),
    "exchanges.confirm": ("party", False),
    "exchanges.reject": ("party", True),
    "exchanges.cancel": ("party", True),
    "exchanges.queue": ("coordinator", True),
    "exchanges.approve": ("coordinator", False),
    "exchanges.confirm_as_coordinator": ("coordinator", False),
    "exchanges.decide_many": ("coordinator", False),
    "exchanges.record_for": ("coordinator", True),
    "exchanges.reverse": ("coordinator", True),
    "exchanges.grant": ("coordinator", True),
    "exchanges.group": ("coordinator", True),
    "exchanges.policy_page": ("coordinator", True),
    "exchanges.limits_moved": ("coordinator", True),
}


def test_every_hour_route_is_in_the_matrix(app):
    """No route of the blueprint escapes this matrix."""
    endpoints = {
        r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("exchanges.")
    }
    assert endpoints == set(ROUTES)


@pytest.fixture
def world(app):
    town = make_town()
    exchange = exchanges.record(
        town.community, actor=town.salma.user, provider=town.salma, recipient=town.omar,
        minutes=60, service_date=date.today(), category="gardening",
        idempotency_key="access-matrix-1",
    )  # fmt: skip
    db.session.commit()
    outsider_bank = make_community()
    outsider = member(outsider_bank, "Olga Outsider")
    return town, exchange, outsider


def _url(app, town, endpoint, exchange):
    with app.test_request_context():
        return url_for(endpoint, slug=town.slug, exchange_id=exchange.id,
                       membership_id=town.salma.id)  # fmt: skip


def _hit(auth, client, url, gets, page):
    if gets:
        return client.get(url)
    return auth.post(url, page=page)


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_access_matrix(app, auth, client, world, endpoint):
    """Anonymous, outsider, plain member, party and coordinator each get the right answer."""
    town, exchange, outsider = world
    level, gets = ROUTES[endpoint]
    url = _url(app, town, endpoint, exchange)
    page = town.url("hours/") if not gets else "/auth/login"
    anonymous = client.get(url) if gets else auth.post(url, page="/auth/login")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
    login(auth, outsider)
    assert _hit(auth, client, url, gets, "/account/").status_code == 404
    login(auth, town.grace)
    expected = {"member": (200, 302), "party": (404,), "coordinator": (403,)}[level]
    assert _hit(auth, client, url, gets, town.url("hours/")).status_code in expected
    login(auth, town.omar)
    expected = {"member": (200, 302), "party": (200, 302), "coordinator": (403,)}[level]
    assert _hit(auth, client, url, gets, town.url("hours/")).status_code in expected
    login(auth, town.coordinator)
    assert _hit(auth, client, url, gets, page).status_code in (200, 302)


def test_a_coordinator_who_is_a_party_can_neither_approve_nor_reverse(app, auth, client):
    """Segregation of duties: the page explains, and nothing changes."""
    town = make_town(approval_conditions="always", require_confirmation=False)
    # Omar (the recipient) records: his word, so the exchanges are agreed without a confirm.
    pending = exchanges.record(
        town.community, actor=town.omar.user, provider=town.coordinator,
        recipient=town.omar, minutes=30, service_date=date.today(), category="gardening",
        idempotency_key="party-coord-1",
    )  # fmt: skip
    town.community.approval_conditions = ""
    posted = exchanges.record(
        town.community, actor=town.omar.user, provider=town.coordinator,
        recipient=town.omar, minutes=45, service_date=date.today(), category="gardening",
        idempotency_key="party-coord-2",
    )  # fmt: skip
    db.session.commit()
    assert posted.status == ExchangeStatus.POSTED
    before = counts()
    login(auth, town.coordinator)
    response = auth.post(town.url(f"hours/exchanges/{pending.id}/approve"),
                         page=town.url("hours/queue"), follow_redirects=True)  # fmt: skip
    assert "another coordinator must decide it" in response.get_data(as_text=True)
    reverse_url = town.url(f"hours/exchanges/{posted.id}/reverse")
    page = client.get(reverse_url).get_data(as_text=True)
    assert "another coordinator must reverse it" in page
    response = auth.post(reverse_url, {"reason": "mine"}, page=reverse_url)
    assert "another coordinator must decide it" in response.get_data(as_text=True)
    bulk = auth.post(town.url("hours/queue/decide"), {"ids": [str(pending.id)],
                     "decision": "approve"}, page=town.url("hours/queue"))  # fmt: skip
    assert "you took part in it" in bulk.get_data(as_text=True)
    db.session.expire_all()
    assert counts() == before
    assert db.session.get(Exchange, pending.id).status == ExchangeStatus.AWAITING_APPROVAL
    assert db.session.get(Exchange, posted.id).status == ExchangeStatus.POSTED


def test_an_installation_admin_who_is_not_a_member_records_on_behalf(app, auth, client):
    """A site admin has no hours of their own: recording and giving as themselves is refused
    (403), and my hours says they have no hours here."""
    from tests.factories import PASSWORD, make_user
    from tests.web.ledger_helpers import _hash

    town = make_town()
    admin = make_user(admin=True, password=None)
    admin.password_hash = _hash[0]
    db.session.commit()
    auth.login(admin.email, PASSWORD)
    assert client.get(town.url("hours/record")).status_code == 403
    assert client.get(town.url("hours/donate")).status_code == 403
    assert client.get(town.url("hours/record-for")).status_code == 200
    assert "no hours here" in client.get(town.url("hours/")).get_data(as_text=True)
