"""Privacy rights: export of a person's data, and erasure that leaves the ledger intact."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.factories import make_member
from tests.listing_factories import make_listing
from tests.services.conftest import assert_consistent, audit_count, make_bank
from timebank.extensions import db
from timebank.models import ExchangeStatus, MembershipStatus
from timebank.services import privacy
from timebank.services.community import profiles
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.messaging import conversations

NAME = "Zubaida Qasemi-Longname"
EMAIL = "zubaida.secret@example.org"
PHONE = "+962 7 9988 7766"
PHRASE = "Marmalade kites at quarter past seven"
REPORT = "Kept ringing my doorbell at midnight"


def _person(bank):
    member = make_member(bank.community, name=NAME, email=EMAIL)
    profiles.update(
        member,
        actor=member.user,
        data=profiles.ProfileInput(
            display_name=NAME, bio=f"I am {NAME}", phone=PHONE, skills="Sewing by Zubaida"
        ),
    )
    member.user.phone = PHONE
    db.session.commit()
    make_listing(member, title=f"Sewing with {NAME}", description=f"Call {PHONE}",
                 neighbourhood="Riverside", when_text="Saturday mornings",
                 duration_minutes=90)  # fmt: skip
    return member


def _converse(bank, member):
    """The member writes to ``bank.b`` about b's listing, b answers, the member reports b."""
    listing = make_listing(bank.b, title="Bicycle repairs")
    conversation = conversations.respond(listing, actor=member.user, body=PHRASE)
    conversations.send(conversation, actor=bank.b.user, body="See you then")
    conversations.report(
        bank.community, actor=member.user, target_type="member", target_id=bank.b.id,
        reason=REPORT,
    )  # fmt: skip
    db.session.commit()
    return conversation


def _companionship(bank, member, exchange):
    """A request for the member, a check with a note, and a visit with a concern note."""
    from datetime import date

    from timebank.models import (
        Arrangement,
        ArrangementStatus,
        CheckType,
        CompanionshipKind,
        CompanionshipRequest,
        Frequency,
        SafeguardingCheck,
        Visit,
        Wellbeing,
    )  # fmt: skip

    request = CompanionshipRequest(
        community_id=bank.community.id, recipient_id=member.id, requested_by_id=member.user_id,
        kind=CompanionshipKind.HOME_VISIT, frequency=Frequency.WEEKLY, language="en",
        preferred_times="Tuesdays after choir", coordinator_notes="Limps since the fall",
    )  # fmt: skip
    db.session.add(request)
    db.session.flush()
    arrangement = Arrangement(
        community_id=bank.community.id, request_id=request.id, volunteer_id=bank.b.id,
        status=ArrangementStatus.ACTIVE,
    )  # fmt: skip
    db.session.add(arrangement)
    db.session.add(
        SafeguardingCheck(
            membership_id=member.id,
            check_type=CheckType.BACKGROUND,
            checked_on=date.today(),
            verified_by_id=bank.coordinator.user_id,
            note="Certificate QX-4471",
        )  # fmt: skip
    )
    db.session.flush()
    db.session.add(
        Visit(
            arrangement_id=arrangement.id,
            exchange_id=exchange.id,
            logged_by_id=bank.b.user_id,
            wellbeing=Wellbeing.CONCERN,
            concern_note="Seemed confused about medication",
        )  # fmt: skip
    )
    db.session.commit()


def _dump() -> str:
    """Every row of every table in the database (FTS shadow tables included), as text."""
    engine = db.engine
    names = sa.inspect(engine).get_table_names()
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            names = list(conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type='table'"))
                         .scalars())  # fmt: skip
    parts = []
    with engine.connect() as conn:
        for name in names:
            for row in conn.execute(sa.text(f'SELECT * FROM "{name}"')):
                for cell in row:
                    if isinstance(cell, bytes | memoryview):
                        parts.append(bytes(cell).decode("utf-8", "replace"))
                    else:
                        parts.append(str(cell))
    return "\n".join(parts).lower()


def test_export_holds_profile_listings_exchanges_and_history(app):
    """The export names counterparts, lists listings, texts written and balance history."""
    bank = make_bank()
    member = _person(bank)
    exchange = bank.record(member, bank.b, 60, description="Hemmed trousers")
    exchanges.confirm(exchange, actor=bank.b.user)
    db.session.commit()
    conversation = _converse(bank, member)
    _companionship(bank, member, exchange)
    data = privacy.export(member.user)
    assert data["user"]["email"] == EMAIL and data["user"]["phone"] == PHONE
    assert data["profiles"][0]["bio"] == f"I am {NAME}"
    assert data["listings"][0]["title"] == f"Sewing with {NAME}"
    assert data["listings"][0]["neighbourhood"] == "Riverside"
    assert data["listings"][0]["when"] == "Saturday mornings"
    assert data["listings"][0]["duration_minutes"] == 90
    (row,) = data["exchanges"]
    assert row["counterpart"] == bank.b.user.display_name and row["direction"] == "gave"
    assert data["texts_written"][0]["text"] == "Hemmed trousers"
    assert data["balance_history"][0]["balance_minutes"] == 60
    (message,) = data["messages_written"]
    assert message["text"] == PHRASE and message["conversation_id"] == conversation.id
    assert message["counterpart"] == bank.b.user.display_name
    assert message["about_listing"] == "Bicycle repairs" and message["sent_at"]
    assert data["reports_made"][0]["reason"] == REPORT
    assert data["companionship_requests"][0]["preferred_times"] == "Tuesdays after choir"
    assert data["safeguarding_checks"][0]["check_type"] == "background"
    assert privacy.export(bank.b.user)["visits_logged"][0]["concern_note"].startswith("Seemed")
    rows = list(privacy.export_rows(data))
    assert ("user", 1, "email", EMAIL) in rows
    assert ("messages_written", 1, "text", PHRASE) in rows


def test_export_requires_the_password(app):
    """A wrong password is refused with a message on the password field."""
    bank = make_bank()
    member = _person(bank)
    with pytest.raises(InvalidInput) as error:
        privacy.check_password(member.user, "wrong password")
    assert error.value.field == "password"


def test_erasure_leaves_no_trace_and_the_ledger_verifies(app, runner):
    """After erasure the e-mail, name and phone appear nowhere; verify-ledger passes."""
    bank = make_bank()
    member = _person(bank)
    posted = bank.record(member, bank.b, 90, description=f"Help from {NAME}")
    exchanges.confirm(posted, actor=bank.b.user)
    pending = bank.record(bank.c, member, 30)
    db.session.commit()
    conversation = _converse(bank, member)
    _companionship(bank, member, posted)
    assert NAME.lower() in _dump() and EMAIL in _dump() and PHRASE.lower() in _dump()
    assert "tuesdays after choir" in _dump()

    privacy.erase(member.user, actor=bank.coordinator.user)
    db.session.commit()

    dump = _dump()
    companionship = ("after choir", "limps since", "qx-4471", "confused about medication")
    for secret in (NAME, EMAIL, PHONE, "zubaida", "9988", PHRASE, "marmalade", REPORT,
                   *companionship):  # fmt: skip
        assert secret.lower() not in dump, secret
    assert "see you then" in dump  # the other member's words are theirs, and stay
    bodies = [row.body for row in db.session.execute(conversations.messages_query(conversation))
              .scalars()]  # fmt: skip
    assert None in bodies
    db.session.refresh(member)
    db.session.refresh(pending)
    assert member.status == MembershipStatus.LEFT
    assert pending.status == ExchangeStatus.CANCELLED
    assert member.user.display_name == f"Former member #{member.member_number}"
    assert member.user.email is None and member.user.is_disabled
    assert audit_count("privacy.erase") == 1
    assert_consistent(bank.community)
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 0, result.output


def test_erased_person_cannot_log_in(app, auth):
    """The login form refuses the erased person's old e-mail and password."""
    bank = make_bank()
    member = make_member(bank.community, email="gone@example.org")
    privacy.erase(member.user, actor=member.user)
    db.session.commit()
    response = auth.login("gone@example.org", "correct horse battery staple")
    assert response.status_code == 200


def test_only_coordinators_of_every_community_may_erase_someone_else(app):
    """A member cannot erase another; a coordinator cannot erase someone from elsewhere."""
    bank = make_bank()
    other = make_bank()
    with pytest.raises(NotAllowed):
        privacy.erase(bank.b.user, actor=bank.a.user)
    with pytest.raises(NotAllowed):
        privacy.erase(other.a.user, actor=bank.coordinator.user)
    make_member(other.community, user=bank.a.user)
    with pytest.raises(NotAllowed):
        privacy.erase(bank.a.user, actor=bank.coordinator.user)
