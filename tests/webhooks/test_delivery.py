"""Signed webhooks: each event writes a delivery in the transaction that caused it; the
job posts it signed (checked here with docs/api.md's own recipe against a local server),
retries with backoff, gives up, and a coordinator can redeliver. Payloads carry no
personal data."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from flask_babel import force_locale

from tests.services.conftest import key
from tests.webhooks.receiver import add_endpoint, deliveries, documented_verify
from timebank.database import transaction
from timebank.extensions import db
from timebank.jobs import tasks
from timebank.models import AuditEvent, WebhookDelivery, WebhookEndpoint, utcnow
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.webhooks import deliveries as sending
from timebank.services.webhooks import endpoints


@pytest.fixture
def app_config() -> dict:
    return {"WEBHOOK_MAX_ATTEMPTS": 3}


def _record(bank, minutes: int = 60):
    db.session.commit()
    return transaction(
        lambda: exchanges.record(
            bank.community, actor=bank.a.user, provider=bank.a, recipient=bank.b,
            minutes=minutes, service_date=date(2026, 11, 1), category="gardening",
            idempotency_key=key(),
        )
    )  # fmt: skip


def test_a_delivery_is_signed_as_documented(bank, receiver):
    """The documented recipe accepts the signature; a wrong secret, a changed body or an
    old timestamp are refused."""
    endpoint_id, secret = add_endpoint(bank.community, bank.coordinator.user, receiver.url)
    exchange = _record(bank, 45)
    assert len(receiver.received) == 1
    sent = receiver.received[0]
    verify = documented_verify()
    header = sent.headers["Timebank-Signature"]
    assert header.startswith("t=") and ",v1=" in header
    assert verify(secret, header, sent.body)
    assert not verify(secret + "x", header, sent.body)
    assert not verify(secret, header, sent.body.replace(b"45", b"46"))
    old = sending.sign(secret, int(utcnow().timestamp()) - 3600, sent.body.decode())
    assert not verify(secret, old, sent.body)
    assert sent.headers["Timebank-Event"] == "exchange.recorded"
    body = json.loads(sent.body)
    assert body["event"] == "exchange.recorded" and body["community_id"] == bank.community.id
    assert body["data"]["exchange_id"] == exchange.id and body["data"]["minutes"] == 45
    (delivery,) = deliveries()
    assert sent.headers["Timebank-Delivery"] == str(delivery.id)
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("delivered", 200, 1)
    assert delivery.endpoint_id == endpoint_id


def test_a_failed_delivery_is_retried_after_a_backoff_then_delivered(bank, receiver):
    add_endpoint(bank.community, bank.coordinator.user, receiver.url)
    receiver.codes = [500]
    _record(bank)
    (delivery,) = deliveries()
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("pending", 500, 1)
    assert delivery.last_error == "HTTP 500" and delivery.next_attempt_at is not None
    assert tasks.deliver_webhooks() == 0  # the backoff is not over: nothing is sent
    assert len(receiver.received) == 1
    assert tasks.deliver_webhooks(now=(utcnow() + timedelta(minutes=2)).isoformat()) == 1
    (delivery,) = deliveries()
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("delivered", 200, 2)
    assert len(receiver.received) == 2
    first, second = receiver.received
    assert first.body == second.body  # the same bytes, signed again


def test_a_delivery_is_given_up_after_the_last_attempt_and_can_be_redelivered(bank, receiver):
    add_endpoint(bank.community, bank.coordinator.user, receiver.url)
    receiver.codes = [503, 503, 503]
    _record(bank)
    later = utcnow()
    for _ in range(2):
        later += timedelta(days=1)
        tasks.deliver_webhooks(now=later.isoformat())
    (delivery,) = deliveries()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("failed", 3, 503)
    assert delivery.next_attempt_at is None
    tasks.deliver_webhooks(now=(later + timedelta(days=1)).isoformat())
    assert len(receiver.received) == 3  # given up: no more attempts
    with pytest.raises(NotAllowed):
        endpoints.redeliver(db.session.get(WebhookDelivery, delivery.id), actor=bank.a.user)
    db.session.rollback()
    row = db.session.get(WebhookDelivery, delivery.id)
    assert transaction(lambda: endpoints.redeliver(row, actor=bank.coordinator.user))
    (delivery,) = deliveries()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 1, 200)
    assert len(receiver.received) == 4
    assert db.session.scalar(
        db.select(db.func.count()).where(AuditEvent.action == "webhook.redeliver")
    ) == 1  # fmt: skip


def test_an_unreachable_endpoint_is_a_failure_with_no_code(bank, receiver):
    add_endpoint(bank.community, bank.coordinator.user, "http://127.0.0.1:9/nowhere")
    _record(bank)
    (delivery,) = deliveries()
    assert delivery.status == "pending" and delivery.response_code is None
    assert delivery.last_error and "Error" in delivery.last_error


def test_only_the_chosen_events_of_active_endpoints_are_sent(bank, receiver):
    endpoint_id, _ = add_endpoint(
        bank.community, bank.coordinator.user, receiver.url, events=["exchange.confirmed"]
    )
    exchange = _record(bank)
    assert receiver.received == []
    transaction(lambda: exchanges.confirm(exchange, actor=bank.b.user))
    assert [r.headers["Timebank-Event"] for r in receiver.received] == ["exchange.confirmed"]
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    transaction(lambda: endpoints.remove(endpoint, actor=bank.coordinator.user))
    second = _record(bank)
    transaction(lambda: exchanges.confirm(second, actor=bank.b.user))
    assert len(receiver.received) == 1


def test_work_rolled_back_sends_nothing(bank, receiver):
    add_endpoint(bank.community, bank.coordinator.user, receiver.url)
    with pytest.raises(InvalidInput):
        _record(bank, minutes=0)
    assert receiver.received == [] and deliveries() == []


def test_payloads_carry_no_personal_data(bank, receiver):
    """Every event, from recording to a concern: ids, numbers, dates, statuses; none of
    the members' names, e-mail addresses or phone numbers, nor the concern's note."""
    from tests.factories import make_member
    from tests.listing_factories import make_listing
    from tests.services.test_companionship import _checked, _request
    from timebank.models import MembershipStatus
    from timebank.services.community import memberships
    from timebank.services.companionship import requests as companionship

    add_endpoint(bank.community, bank.coordinator.user, receiver.url)
    db.session.rollback()
    exchange = _record(bank)
    transaction(lambda: exchanges.confirm(exchange, actor=bank.b.user))
    db.session.refresh(exchange)
    transaction(lambda: exchanges.reverse(exchange, actor=bank.coordinator.user, reason="Typo"))
    applicant = make_member(bank.community, status=MembershipStatus.APPLYING, password=None)
    transaction(lambda: memberships.approve(applicant, actor=bank.coordinator.user))
    make_listing(bank.a)
    _checked(bank, bank.c)
    db.session.commit()
    arrangement = transaction(
        lambda: companionship.match(_request(bank), actor=bank.coordinator.user, volunteer=bank.c)
    )
    transaction(
        lambda: companionship.log_visit(
            arrangement, actor=bank.c.user, minutes=30, service_date=utcnow().date(),
            wellbeing="concern", concern_note="Worried about the heating", idempotency_key=key(),
        )
    )  # fmt: skip
    tasks.deliver_webhooks()
    events = {r.headers["Timebank-Event"] for r in receiver.received}
    assert {"exchange.recorded", "exchange.confirmed", "exchange.reversed", "member.joined",
            "companionship.concern"} <= events  # fmt: skip
    people = [m.user for m in (bank.a, bank.b, bank.c, bank.coordinator, applicant)]
    secrets = [p.display_name for p in people] + [p.email for p in people]
    secrets += [getattr(p, "phone", None) for p in people] + ["Worried", "heating", "Typo"]
    for received in receiver.received:
        text = received.body.decode()
        for secret in filter(None, secrets):
            assert secret not in text, (received.headers["Timebank-Event"], secret)
        for value in json.loads(text)["data"].values():
            assert value is None or isinstance(value, int | str)


@pytest.mark.parametrize(
    "url",
    ["", "example.org/hook", "http://example.org/hook", "ftp://example.org/x",
     "https://user:pw@example.org/", "https://exa mple.org/", "https://example.org:99999/"],
)  # fmt: skip
def test_an_endpoint_must_be_https(bank, url):
    with pytest.raises(InvalidInput) as error:
        endpoints.add(
            bank.community, actor=bank.coordinator.user, url=url, events=["member.joined"]
        )
    assert error.value.field == "url"


def test_local_http_needs_the_setting_outside_tests(app, bank):
    app.testing = False
    try:
        with pytest.raises(InvalidInput):
            endpoints.check_url("http://127.0.0.1:8000/hook")
        app.config["WEBHOOK_ALLOW_LOCAL_HTTP"] = True
        assert endpoints.check_url("http://localhost:8000/hook")
        with pytest.raises(InvalidInput):
            endpoints.check_url("http://10.0.0.1/hook")
    finally:
        app.testing = True
    assert endpoints.check_url("https://hooks.example.org/x") == "https://hooks.example.org/x"


def test_only_coordinators_add_and_events_must_be_chosen(bank):
    with pytest.raises(NotAllowed):
        endpoints.add(
            bank.community, actor=bank.a.user, url="https://x.org/", events=["member.joined"]
        )
    with pytest.raises(InvalidInput) as error:
        endpoints.add(bank.community, actor=bank.coordinator.user, url="https://x.org/", events=[])
    assert error.value.field == "events"
    with pytest.raises(InvalidInput):
        endpoints.add(bank.community, actor=bank.coordinator.user, url="https://x.org/",
                      events=["member.left"])  # fmt: skip


@pytest.mark.parametrize(
    "url",
    ["https://10.0.0.5/hook", "https://192.168.1.20/hook", "https://127.0.0.1/hook",
     "https://169.254.169.254/latest/meta-data", "https://[::1]/hook", "https://localhost/hook",
     "https://[::ffff:10.0.0.1]/hook", "https://100.64.0.1/hook", "https://0.0.0.0/hook"],
)  # fmt: skip
def test_endpoints_on_private_networks_are_refused_with_a_translated_message(app, url):
    with pytest.raises(InvalidInput) as refused:
        endpoints.check_url(url)
    assert refused.value.field == "url"
    assert "private or local network" in str(refused.value.message)
    with force_locale("ar"):
        assert re.search("[\u0600-\u06ff]", str(refused.value.message))
    app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = True
    try:
        assert endpoints.check_url(url) == url
    finally:
        app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = False


def test_public_addresses_and_unresolved_names_are_accepted(app):
    assert endpoints.check_url("https://93.184.215.14/hook") == "https://93.184.215.14/hook"
    assert endpoints.check_url("https://hooks.example.org/x") == "https://hooks.example.org/x"


def test_a_delivery_to_a_private_address_is_refused_and_not_sent(app, receiver):
    """An endpoint whose name later points inside: the delivery is refused, not sent."""
    envelope = sending.Envelope(1, receiver.url.replace("http://", "https://"), "whsec_x",
                                "member.joined", "{}", 0)  # fmt: skip
    code, error = sending.send(envelope)
    assert code is None and error == "refused: a private or local address"
    assert receiver.received == []


def test_a_name_re_pointed_inside_after_the_check_is_refused_at_connection(app, monkeypatch):
    """DNS rebinding: the check before sending sees a public address, the connection
    resolves a loopback one; the connection itself refuses, nothing is sent."""
    monkeypatch.setattr(endpoints.addresses, "addresses_of", lambda host: ["93.184.215.14"])
    envelope = sending.Envelope(2, "http://127.0.0.2:9/hook", "whsec_x", "member.joined", "{}", 0)
    code, error = sending.send(envelope)
    assert code is None and "private or local address" in error


def test_a_guarded_connection_to_a_checked_address_delivers(app, monkeypatch, receiver):
    """The guarded connection sends once the address passes (here: judged public)."""
    monkeypatch.setattr(endpoints.addresses, "is_public", lambda address: True)
    url = receiver.url.replace("127.0.0.1", "127.0.0.1.nip.invalid")
    monkeypatch.setattr(
        endpoints.addresses.socket, "getaddrinfo",
        lambda host, port, *args, **kwargs: [(2, 1, 6, "", ("127.0.0.1", port or 0))],
    )  # fmt: skip
    code, error = sending.send(sending.Envelope(3, url, "whsec_x", "member.joined", "{}", 0))
    assert (code, error) == (200, None)
    assert len(receiver.received) == 1
