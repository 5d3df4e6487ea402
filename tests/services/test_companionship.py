"""Safeguarding rules and the companionship journey through the services: request, match,
logged visit as a ledger exchange, wellbeing check and the concern alert."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.services.conftest import assert_consistent, audit_count, key, make_bank
from timebank.extensions import db
from timebank.models import (
    ArrangementStatus,
    AuditEvent,
    CheckType,
    Exchange,
    ExchangeStatus,
    Notification,
    OutboxMessage,
    Profile,
    RequestStatus,
    SafeguardingCheck,
    Visit,
    utcnow,
)
from timebank.services import permissions
from timebank.services.companionship import queries as companionship_queries
from timebank.services.companionship import requests as companionship
from timebank.services.companionship import safeguarding
from timebank.services.exceptions import AlreadyDecided, DomainError, InvalidInput, NotAllowed


def _check(bank, membership, check_type, *, days_ago=10, valid_days=365):
    today = utcnow().date()
    check = safeguarding.record_check(
        membership,
        actor=bank.coordinator.user,
        check_type=check_type,
        checked_on=today - timedelta(days=days_ago),
        expires_on=today - timedelta(days=days_ago) + timedelta(days=valid_days),
    )
    db.session.commit()
    return check


def _checked(bank, membership):
    _check(bank, membership, "background")
    _check(bank, membership, "references")


def _request(bank, *, kind="home_visit", actor=None, recipient=None):
    recipient = recipient or bank.a
    request = companionship.create_request(
        recipient,
        actor=actor or recipient.user,
        data=companionship.RequestInput(
            kind=kind, frequency="weekly", preferred_times="Tuesday mornings", language="en"
        ),
    )
    db.session.commit()
    return request


@pytest.fixture
def bank(app):
    return make_bank()


def test_new_communities_require_background_and_references_for_home_visits(bank):
    """Default requirements: home visits and accompaniment need background + references."""
    assert safeguarding.required_checks(bank.community, "companionship", "home_visit") == {
        CheckType.BACKGROUND,
        CheckType.REFERENCES,
    }
    assert safeguarding.required_checks(bank.community, "companionship", "call") == set()


def test_expired_check_blocks_a_match(bank):
    """A volunteer whose background check has expired cannot be matched; nothing saved."""
    _check(bank, bank.b, "background", days_ago=400, valid_days=365)
    _check(bank, bank.b, "references")
    request = _request(bank)
    with pytest.raises(NotAllowed) as caught:
        companionship.match(request, actor=bank.coordinator.user, volunteer=bank.b)
    db.session.rollback()
    assert "Background" in str(caught.value.message)
    assert db.session.get(type(request), request.id).status == RequestStatus.OPEN
    assert companionship_queries.arrangements_of(request) == []


def test_missing_check_blocks_an_offer_with_a_plain_reason(bank):
    """A volunteer without references cannot offer; the message names the check."""
    _check(bank, bank.b, "background")
    request = _request(bank)
    with pytest.raises(NotAllowed) as caught:
        companionship.offer(request, actor=bank.b.user)
    assert "References" in str(caught.value.message)


def test_valid_checks_allow_an_offer_confirmed_by_a_coordinator(bank):
    """With both valid checks the volunteer offers and the coordinator confirms."""
    _checked(bank, bank.b)
    request = _request(bank)
    arrangement = companionship.offer(request, actor=bank.b.user)
    db.session.commit()
    assert arrangement.status == ArrangementStatus.OFFERED
    assert (
        db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.kind == "offer")
        )
        == 2
    )
    confirmed = companionship.match(request, actor=bank.coordinator.user, volunteer=bank.b)
    db.session.commit()
    assert confirmed.id == arrangement.id and confirmed.status == ArrangementStatus.ACTIVE
    assert request.status == RequestStatus.MATCHED


def test_revoked_check_no_longer_counts(bank):
    """A revoked check is not valid."""
    check = _check(bank, bank.b, "background")
    safeguarding.revoke_check(check, actor=bank.coordinator.user)
    db.session.commit()
    assert CheckType.BACKGROUND not in safeguarding.valid_checks(bank.b)


def test_changed_requirements_take_effect(bank):
    """When a coordinator stops requiring references, a background check is enough; when
    calls start to need training, an untrained volunteer is refused."""
    _check(bank, bank.b, "background")
    request = _request(bank)
    safeguarding.set_requirements(
        bank.community, actor=bank.coordinator.user, category_key="companionship",
        kind="home_visit", check_types=["background"],
    )  # fmt: skip
    db.session.commit()
    assert companionship.offer(request, actor=bank.b.user).status == ArrangementStatus.OFFERED
    db.session.commit()
    call = _request(bank, kind="call", recipient=bank.c)
    companionship.offer(call, actor=bank.a.user)
    db.session.rollback()
    safeguarding.set_requirements(
        bank.community, actor=bank.coordinator.user, category_key="companionship",
        kind="", check_types=["training"],
    )  # fmt: skip
    db.session.commit()
    with pytest.raises(NotAllowed):
        companionship.offer(call, actor=bank.b.user)


def test_only_coordinators_record_checks_and_requirements(bank):
    """Members cannot record checks or change requirements."""
    with pytest.raises(NotAllowed):
        safeguarding.record_check(
            bank.b, actor=bank.a.user, check_type="background",
            checked_on=date(2026, 1, 1), expires_on=None,
        )  # fmt: skip
    with pytest.raises(NotAllowed):
        safeguarding.set_requirements(
            bank.community, actor=bank.a.user, category_key="companionship", kind="",
            check_types=[],
        )  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"check_type": "astrology"}, "check_type"),
        ({"checked_on": None}, "checked_on"),
        ({"checked_on": date(2999, 1, 1)}, "checked_on"),
        ({"expires_on": date(2000, 1, 1)}, "expires_on"),
        ({"note": "x" * 1001}, "note"),
    ],
)
def test_bad_check_input_names_the_field_and_saves_nothing(bank, fields, field):
    """Each invalid check input is refused with its field; no check is stored."""
    data = {"check_type": "background", "checked_on": date(2026, 1, 1), "expires_on": None}
    data.update(fields)
    with pytest.raises(InvalidInput) as caught:
        safeguarding.record_check(bank.b, actor=bank.coordinator.user, **data)
    db.session.rollback()
    assert caught.value.field == field
    assert db.session.scalar(select(func.count()).select_from(SafeguardingCheck)) == 0


def test_expiring_checks_lists_those_within_thirty_days(bank):
    """The dashboard query returns checks expiring within 30 days, not later ones."""
    soon = _check(bank, bank.b, "background", days_ago=350, valid_days=365)
    _check(bank, bank.c, "background", days_ago=10, valid_days=365)
    assert [c.id for c in safeguarding.expiring_checks(bank.community)] == [soon.id]


def test_coordinator_requests_on_behalf_of_a_member(bank):
    """A coordinator asks for someone without internet; a member cannot ask for another."""
    request = _request(bank, actor=bank.coordinator.user)
    assert request.requested_by_id == bank.coordinator.user_id
    with pytest.raises(NotAllowed):
        _request(bank, actor=bank.b.user)


def test_match_through_to_a_logged_visit_and_concern_alert(bank):
    """Match → visit logged as a companionship exchange (ledger verifies) → a concern
    notifies every coordinator, queues their e-mail and writes an audit event."""
    _checked(bank, bank.b)
    request = _request(bank)
    arrangement = companionship.match(request, actor=bank.coordinator.user, volunteer=bank.b)
    db.session.commit()
    visit = companionship.log_visit(
        arrangement, actor=bank.b.user, minutes=90, service_date=utcnow().date(),
        wellbeing="concern", concern_note="Seemed confused and had no food in.",
        idempotency_key=key(),
    )  # fmt: skip
    db.session.commit()
    exchange = db.session.get(Exchange, visit.exchange_id)
    assert exchange.category == "companionship" and exchange.minutes == 90
    assert exchange.status == ExchangeStatus.RECORDED  # the recipient confirms, as always
    from timebank.services.exchanges import lifecycle as exchanges

    exchanges.confirm(exchange, actor=bank.a.user)
    db.session.commit()
    assert exchange.status == ExchangeStatus.POSTED
    assert_consistent(bank.community)
    alerted = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "concern")
    ).all()
    assert sorted(alerted) == sorted([bank.coordinator.user_id, bank.coordinator2.user_id])
    mails = db.session.scalars(select(OutboxMessage.recipient_id)).all()
    assert bank.coordinator.user_id in mails and bank.coordinator2.user_id in mails
    assert audit_count("companionship.concern") == 1
    assert visit.alert_raised_at is not None


def test_coordinator_logs_a_visit_on_behalf_and_it_counts_as_confirmed(bank):
    """A coordinator's log is recorded on behalf of the volunteer and confirmed as a
    coordinator decision (audited as such, docs/consent.md)."""
    _checked(bank, bank.b)
    arrangement = companionship.match(_request(bank), actor=bank.coordinator.user, volunteer=bank.b)
    db.session.commit()
    visit = companionship.log_visit(
        arrangement, actor=bank.coordinator.user, minutes=60, service_date=utcnow().date(),
        wellbeing="all_well", concern_note=None, idempotency_key=key(),
    )  # fmt: skip
    db.session.commit()
    assert db.session.get(Exchange, visit.exchange_id).status == ExchangeStatus.POSTED
    assert audit_count("companionship.concern") == 0
    decision = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "exchange.confirm")
    ).one()
    assert decision.details["coordinator_decision"] is True
    assert decision.actor_id == bank.coordinator.user_id
    assert_consistent(bank.community)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"wellbeing": "fine"}, InvalidInput),
        ({"wellbeing": "concern", "concern_note": "  "}, InvalidInput),
        ({"minutes": 0}, InvalidInput),
        ({"minutes": 10**7}, InvalidInput),
        ({"actor": "c"}, NotAllowed),
    ],
)
def test_bad_visit_input_saves_nothing(bank, fields, error):
    """Invalid visits, or a stranger logging one, change neither the ledger nor visits."""
    _checked(bank, bank.b)
    arrangement = companionship.match(_request(bank), actor=bank.coordinator.user, volunteer=bank.b)
    db.session.commit()
    data = {
        "actor": bank.b.user, "minutes": 60, "service_date": utcnow().date(),
        "wellbeing": "all_well", "concern_note": None, "idempotency_key": key(),
    }  # fmt: skip
    data.update(fields)
    if data["actor"] == "c":
        data["actor"] = bank.c.user
    with pytest.raises(error):
        companionship.log_visit(arrangement, **data)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 0
    assert db.session.scalar(select(func.count()).select_from(Exchange)) == 0


def test_a_matched_request_cannot_be_matched_again(bank):
    """Matching is a one-time decision."""
    _checked(bank, bank.b)
    _checked(bank, bank.c)
    request = _request(bank)
    companionship.match(request, actor=bank.coordinator.user, volunteer=bank.b)
    db.session.commit()
    with pytest.raises(AlreadyDecided):
        companionship.match(request, actor=bank.coordinator.user, volunteer=bank.c)


def test_the_recipient_cannot_volunteer_for_themselves(bank):
    """The recipient of a request is not a candidate for it."""
    _checked(bank, bank.a)
    request = _request(bank)
    with pytest.raises(DomainError):
        companionship.match(request, actor=bank.coordinator.user, volunteer=bank.a)


def test_candidates_filter_by_language_and_show_missing_checks(bank):
    """Candidates speak the request's language (or list none); eligible ones first."""
    for membership, languages in ((bank.b, "en ar"), (bank.c, "en"), (bank.coordinator, "fr")):
        db.session.scalar(
            select(Profile).where(Profile.membership_id == membership.id)
        ).languages = languages
    db.session.commit()
    _checked(bank, bank.c)
    found = companionship_queries.candidates(_request(bank))
    ids = [m.id for m, _missing in found]
    assert ids[0] == bank.c.id and found[0][1] == []
    assert bank.b.id in ids and bank.coordinator2.id in ids  # no language listed: kept
    assert bank.coordinator.id not in ids and bank.a.id not in ids
    assert all(missing for _m, missing in found[1:])


def test_a_concern_opens_the_pair_s_conversations_to_coordinators(bank):
    """Before a concern coordinators cannot read the volunteer's conversation with the
    recipient; after it they can."""
    from tests.companion_factories import make_conversation

    _checked(bank, bank.b)
    conversation = make_conversation(bank.b, bank.a)
    assert not permissions.can_read_conversation(bank.coordinator.user, conversation)
    arrangement = companionship.match(_request(bank), actor=bank.coordinator.user, volunteer=bank.b)
    db.session.commit()
    companionship.log_visit(
        arrangement, actor=bank.b.user, minutes=30, service_date=utcnow().date(),
        wellbeing="concern", concern_note="Worried", idempotency_key=key(),
    )  # fmt: skip
    db.session.commit()
    assert permissions.can_read_conversation(bank.coordinator.user, conversation)
    assert not permissions.can_read_conversation(bank.c.user, conversation)
