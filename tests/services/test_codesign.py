"""The co-design board's rules: proposing (and for whom), revisions, endorsements,
volunteers, the stages, adoption as a category, notices, figures and the
transformation level."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.factories import make_community, make_member
from timebank.extensions import db
from timebank.models import (
    Category,
    CategoryRequirement,
    Notification,
    ProposalStage,
    Role,
)
from timebank.services.codesign import proposals, queries
from timebank.services.codesign.proposals import ProposalInput
from timebank.services.community import proxies
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.ledger import posting as ledger
from timebank.services.metrics import api as metrics
from timebank.services.metrics import codesign as codesign_metrics
from timebank.services.metrics import periods
from timebank.services.metrics import queries as metric_queries


def _data(**changes) -> ProposalInput:
    values = {
        "title_en": "Repair café",
        "description_en": "Fix things together.",
        "need": "Things are thrown away.",
        "audience": "Everyone",
        "frequency": "monthly",
        "checks": ["background"],
    }
    values.update(changes)
    return ProposalInput(**values)


@pytest.fixture
def bank(app):
    community = make_community()
    return {
        "community": community,
        "coordinator": make_member(community, role=Role.COORDINATOR),
        "amal": make_member(community),
        "omar": make_member(community),
    }


def _kinds(membership) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.kind).where(Notification.user_id == membership.user_id)
        )
    )


def test_a_member_proposes_and_coordinators_hear_of_it(bank):
    """A proposal keeps its first revision; the coordinators are notified."""
    proposal = proposals.propose(bank["amal"], actor=bank["amal"].user, data=_data(), language="en")
    assert proposal.stage == ProposalStage.PROPOSED
    assert proposal.current.number == 1 and proposal.current.check_list == ["background"]
    assert _kinds(bank["coordinator"]) == ["proposal_new"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title_en": ""}, "title_en"),
        ({"need": "  "}, "need"),
        ({"frequency": "hourly"}, "frequency"),
        ({"checks": ["astrology"]}, "checks"),
        ({"audience": "x" * 201}, "audience"),
    ],
)
def test_bad_proposals_are_refused_with_the_field(bank, changes, field):
    """Missing or unknown input names its field; nothing is saved."""
    with pytest.raises(InvalidInput) as refused:
        proposals.propose(
            bank["amal"], actor=bank["amal"].user, data=_data(**changes), language="en"
        )
    assert refused.value.field == field


def test_the_title_is_required_in_the_proposers_language_only(bank):
    """An Arabic reader writes the Arabic title; the English one may wait."""
    data = _data(title_en="", title_ar="مقهى التصليح", description_en="", description_ar="نصلح")
    proposal = proposals.propose(bank["amal"], actor=bank["amal"].user, data=data, language="ar")
    assert proposal.current.title("en") == "مقهى التصليح"


def test_only_the_member_their_proxy_or_a_coordinator_proposes_for_them(bank):
    """Another member cannot propose in someone's name; an appointed proxy can."""
    with pytest.raises(NotAllowed):
        proposals.propose(bank["amal"], actor=bank["omar"].user, data=_data(), language="en")
    proxies.appoint(bank["amal"], bank["omar"], actor=bank["coordinator"].user)
    proposal = proposals.propose(bank["amal"], actor=bank["omar"].user, data=_data(), language="en")
    assert proposal.proposer_id == bank["amal"].id


def test_revisions_are_kept_and_only_the_proposer_or_coordinators_revise(bank):
    proposal = proposals.propose(bank["amal"], actor=bank["amal"].user, data=_data(), language="en")
    with pytest.raises(NotAllowed):
        proposals.revise(proposal, actor=bank["omar"].user, data=_data(), language="en")
    proposals.revise(
        proposal, actor=bank["coordinator"].user, data=_data(title_ar="مقهى"), language="en"
    )
    assert [r.number for r in proposal.revisions] == [1, 2]
    assert proposal.revisions[0].title_ar == "" and proposal.current.title_ar == "مقهى"


def test_endorsing_once_withdrawing_volunteering_commenting(bank):
    proposal = proposals.propose(bank["amal"], actor=bank["amal"].user, data=_data(), language="en")
    omar = bank["omar"].user
    assert proposals.endorse(proposal, actor=omar) is True
    assert proposals.endorse(proposal, actor=omar) is False
    assert queries.detail(proposal, omar).endorsements == 1
    proposals.withdraw_endorsement(proposal, actor=omar)
    assert queries.detail(proposal, omar).endorsed is False
    proposals.volunteer(proposal, actor=omar, minutes_per_week=60)
    proposals.volunteer(proposal, actor=omar, minutes_per_week=90)
    assert queries.detail(proposal, omar).my_minutes == 90
    with pytest.raises(InvalidInput):
        proposals.volunteer(proposal, actor=omar, minutes_per_week=0)
    proposals.comment(proposal, actor=omar, body="Count me in")
    assert [c.body for c in queries.detail(proposal, omar).comments] == ["Count me in"]


def test_stages_decline_needs_a_reason_and_tells_the_proposer(bank):
    proposal = proposals.propose(bank["amal"], actor=bank["amal"].user, data=_data(), language="en")
    coordinator = bank["coordinator"].user
    with pytest.raises(NotAllowed):
        proposals.move(proposal, actor=bank["omar"].user, stage="discussion")
    with pytest.raises(InvalidInput):
        proposals.move(proposal, actor=coordinator, stage="running")
    proposals.move(proposal, actor=coordinator, stage="discussion")
    with pytest.raises(InvalidInput) as refused:
        proposals.decline(proposal, actor=coordinator, reason=" ")
    assert refused.value.field == "reason"
    proposals.decline(proposal, actor=coordinator, reason="No room for it")
    assert proposal.stage == ProposalStage.DECLINED and proposal.decline_reason == "No room for it"
    assert _kinds(bank["amal"]) == ["proposal_stage", "proposal_stage"]
    with pytest.raises(InvalidInput):
        proposals.endorse(proposal, actor=bank["omar"].user)


def test_adopting_makes_a_category_with_its_checks_and_tells_endorsers(bank):
    """The category remembers the proposal (and so its proposer); endorsers hear of it."""
    proposal = proposals.propose(bank["amal"], actor=bank["amal"].user, data=_data(), language="en")
    proposals.endorse(proposal, actor=bank["omar"].user)
    coordinator = bank["coordinator"].user
    with pytest.raises(InvalidInput) as refused:
        proposals.adopt(proposal, actor=coordinator, name_en="Repair café", name_ar="")
    assert refused.value.field == "name_ar"
    proposals.adopt(proposal, actor=coordinator, name_en="Repair café", name_ar="مقهى التصليح")
    category = db.session.get_one(Category, proposal.category_id)
    assert queries.origin(category).proposer_id == bank["amal"].id
    assert category.name_ar == "مقهى التصليح" and proposal.stage == ProposalStage.ADOPTED
    checks = db.session.scalars(
        select(CategoryRequirement.check_type).where(
            CategoryRequirement.category_key == category.key
        )
    )
    assert [str(c) for c in checks] == ["background"]
    assert _kinds(bank["omar"]) == ["proposal_adopted"]
    assert _kinds(bank["amal"]) == ["proposal_stage"]
    proposals.move(proposal, actor=coordinator, stage="running")
    proposals.move(proposal, actor=coordinator, stage="retired")
    assert proposal.stage == ProposalStage.RETIRED


def test_figures_and_the_transformation_level(bank):
    """The proposer of an adopted service and its volunteers transform the service; an
    ordinary member with an account otherwise has no exchange (not active)."""
    today = date.today()
    proposal = proposals.propose(bank["amal"], actor=bank["amal"].user, data=_data(), language="en")
    proposals.endorse(proposal, actor=bank["omar"].user)
    period = periods.year_of(today.year)
    for membership in (bank["amal"], bank["omar"]):
        ledger.ensure_account(membership)
    db.session.flush()
    assert metrics.member(bank["amal"], period).level == "not_active"
    proposals.volunteer(proposal, actor=bank["omar"].user, minutes_per_week=60)
    proposals.adopt(proposal, actor=bank["coordinator"].user, name_en="Repair", name_ar="تصليح")
    users, _accounts = metric_queries.codesigners(bank["community"].id, period.start, period.end)
    assert users == {bank["amal"].user_id, bank["omar"].user_id}
    assert metrics.member(bank["amal"], period).level == "transformation"
    assert metrics.member(bank["omar"], period).level == "transformation"
    figures = codesign_metrics.compute(bank["community"].id, period.start, period.end)
    made = (figures.proposals_made, figures.proposals_endorsed, figures.proposals_adopted)
    assert made == (1, 1, 1) and figures.members_involved == 2
    assert db.session.scalar(select(func.count()).select_from(Category)) >= 1


def test_design_hours_are_paid_from_the_pot_and_count_as_transformation(bank):
    """Only the proposer or a volunteer can be paid; the grant is in the co-design
    category (made on first use) and makes its member a transformer."""
    from timebank.services.codesign import hours
    from timebank.services.exchanges import movements

    proposal = proposals.propose(bank["amal"], actor=bank["amal"].user, data=_data(), language="en")
    coordinator = bank["coordinator"].user
    movements.donate(
        bank["omar"], actor=bank["omar"].user, minutes=120, idempotency_key=uuid.uuid4().hex
    )
    with pytest.raises(InvalidInput) as refused:
        hours.record(
            proposal, bank["omar"], actor=coordinator, minutes=60, reason="Workshop",
            idempotency_key=uuid.uuid4().hex,
        )  # fmt: skip
    assert refused.value.field == "member_id"
    exchange = hours.record(
        proposal, bank["amal"], actor=coordinator, minutes=60, reason="Planning meeting",
        idempotency_key=uuid.uuid4().hex,
    )  # fmt: skip
    assert exchange.category == "co-design" and exchange.minutes == 60
    assert db.session.scalar(select(Category.name_ar).where(Category.key == "co-design"))
    today = date.today()
    _users, accounts = metric_queries.codesigners(bank["community"].id, today, today)
    assert accounts == {ledger.ensure_account(bank["amal"]).id}
    assert metrics.member(bank["amal"], periods.year_of(today.year)).level == "transformation"
