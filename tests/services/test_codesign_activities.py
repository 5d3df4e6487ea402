"""A proposal adopted as a recurring group activity (issue 19, done when): a member proposes
"Friday lift to the mosque" in Arabic, five members endorse it, a coordinator adopts it as a
weekly group activity with a driving check; hours recorded for it are in the ledger, in the
metrics under "hours through member-designed services", and the proposer's co-production
level is "transformation" with no role change."""

from __future__ import annotations

import uuid
from datetime import date, time, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from tests.factories import make_community, make_member
from timebank.extensions import db
from timebank.models import (
    Account,
    ActivitySession,
    Exchange,
    ExchangeKind,
    Notification,
    OutboxMessage,
    ProposalStage,
    Role,
)
from timebank.services.codesign import activities, proposals
from timebank.services.codesign.activities import ActivityInput
from timebank.services.codesign.proposals import ProposalInput
from timebank.services.companionship import safeguarding
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.metrics import api as metrics
from timebank.services.metrics import codesign as codesign_metrics
from timebank.services.metrics import periods
from timebank.services.reports import files, tables

FRIDAY = 4
LIFT = ProposalInput(
    title_ar="توصيلة الجمعة إلى المسجد",
    description_ar="سيارة تأخذ الجيران كبار السن إلى صلاة الجمعة وتعيدهم.",
    need="كبار السن لا يستطيعون المشي إلى المسجد.",
    audience="الجيران كبار السن",
    frequency="weekly",
    checks=["driving"],
)


@pytest.fixture
def bank(app):
    community = make_community()
    return {
        "community": community,
        "coordinator": make_member(community, role=Role.COORDINATOR),
        "proposer": make_member(community, locale="ar"),
        "endorsers": [make_member(community) for _ in range(5)],
        "driver": make_member(community),
    }


def _kinds(membership) -> list[str]:
    query = select(Notification.kind).where(Notification.user_id == membership.user_id)
    return list(db.session.scalars(query.order_by(Notification.id)))


def _schedule(**changes) -> ActivityInput:
    values = {
        "frequency": "weekly",
        "weekday": FRIDAY,
        "starts_at": time(17, 0),
        "minutes": 60,
        "category_key": "transport",
        "checks": ["driving"],
    }
    values.update(changes)
    return ActivityInput(**values)


def test_friday_lift_to_the_mosque(bank):
    proposer, coordinator = bank["proposer"], bank["coordinator"].user
    proposal = proposals.propose(proposer, actor=proposer.user, data=LIFT, language="ar")
    assert proposal.current.title("en") == "توصيلة الجمعة إلى المسجد"
    for member in bank["endorsers"]:
        proposals.endorse(proposal, actor=member.user)

    activity = activities.adopt_as_activity(proposal, actor=coordinator, data=_schedule())
    assert (activity.proposal_id, activity.proposer_id) == (proposal.id, proposer.id)
    assert activity.first_date.weekday() == FRIDAY and activity.check_list == ["driving"]
    assert proposal.stage == ProposalStage.ADOPTED and proposal.adopted_at is not None
    assert all(_kinds(m) == ["proposal_adopted"] for m in bank["endorsers"])
    assert _kinds(proposer) == ["proposal_stage"]

    # The driver needs a valid driving check; without it nothing is posted.
    driver, riders = bank["driver"], [proposer, *bank["endorsers"][:2]]
    friday = activities.last_date(activity, date.today() + timedelta(days=7))
    assert friday is not None and friday.weekday() == FRIDAY
    day = min(friday, date.today())

    def record(key: str) -> list[Exchange]:
        return activities.record_session(
            activity, actor=coordinator, providers=[driver], recipients=riders, minutes=60,
            service_date=day, idempotency_key=key, description="Friday prayers",
        )  # fmt: skip

    with pytest.raises(InvalidInput) as refused:
        record(uuid.uuid4().hex)
    assert refused.value.field == "member"
    assert db.session.scalar(select(Exchange.id).where(Exchange.category == "transport")) is None

    safeguarding.record_check(
        driver, actor=coordinator, check_type="driving", checked_on=day - timedelta(days=30),
        expires_on=None, note="Licence and insurance seen",
    )  # fmt: skip
    key = uuid.uuid4().hex
    posted = record(key)
    assert record(key) == posted  # a second click records nothing more
    assert len(posted) == 3 and {e.kind for e in posted} == {ExchangeKind.GROUP}
    assert db.session.scalars(select(ActivitySession.group_id)).all() == [posted[0].group_id]
    driver_account = db.session.scalar(select(Account).where(Account.membership_id == driver.id))
    assert driver_account is not None and driver_account.balance == 180

    # The first session: the proposal is running, and the proposer was told.
    assert proposal.stage == ProposalStage.RUNNING
    assert _kinds(proposer) == ["proposal_stage", "proposal_stage"]

    period = periods.year_of(day.year)
    figures = codesign_metrics.compute(bank["community"].id, period.start, period.end)
    assert figures.designed_minutes == 180 and figures.designed_exchanges == 3
    assert (figures.proposals_made, figures.proposals_endorsed, figures.proposals_adopted) == (
        1, 1, 1,
    )  # fmt: skip
    assert figures.members_involved == 6  # the proposer and five endorsers
    label = next(f.label for f in codesign_metrics.FIGURES if f.key == "designed_minutes")
    assert str(label) == "Hours through member-designed services"
    [service] = codesign_metrics.services(bank["community"].id, period.start, period.end)
    assert service.as_activity and service.minutes == 180 and service.stage == "running"

    assert proposer.role == Role.MEMBER
    assert metrics.member(proposer, period).level == "transformation"

    # The funder report's "Services the members designed", in the PDF and the XLSX too.
    with force_locale("ar"):
        report = tables.build(bank["community"], period, "ar")
        assert report.table("codesign").rows[-1][1] == 180
        [row] = report.table("designed_services").rows
        assert row[1] == "توصيلة الجمعة إلى المسجد" and row[6] == 180
    for fmt in ("pdf", "xlsx"):
        assert files.build(bank["community"], period, fmt, locale="ar").content

    proposals.move(proposal, actor=coordinator, stage="retired")
    with pytest.raises(InvalidInput):
        record(uuid.uuid4().hex)


def test_only_coordinators_adopt_and_a_bad_schedule_changes_nothing(bank):
    proposer = bank["proposer"]
    proposal = proposals.propose(proposer, actor=proposer.user, data=LIFT, language="ar")
    with pytest.raises(NotAllowed):
        activities.adopt_as_activity(proposal, actor=proposer.user, data=_schedule())
    coordinator = bank["coordinator"].user
    for changes, field in (
        ({"frequency": "daily"}, "frequency"),
        ({"weekday": 9}, "weekday"),
        ({"starts_at": None}, "starts_at"),
        ({"minutes": 0}, "hours"),
        ({"category_key": "no-such"}, "category_key"),
        ({"checks": ["flying"]}, "checks"),
    ):
        with pytest.raises(InvalidInput) as refused:
            activities.adopt_as_activity(proposal, actor=coordinator, data=_schedule(**changes))
        assert refused.value.field == field
    assert activities.of(proposal) is None and proposal.stage == ProposalStage.PROPOSED


def test_a_new_category_and_an_activity_at_once_and_the_schedule(bank):
    proposer = bank["proposer"]
    proposal = proposals.propose(proposer, actor=proposer.user, data=LIFT, language="ar")
    activity = activities.adopt_as_activity(
        proposal,
        actor=bank["coordinator"].user,
        data=_schedule(category_key="", name_en="Mosque lift", name_ar="توصيلة المسجد",
                       frequency="fortnightly", first_date=date(2026, 1, 1)),
        today=date(2026, 1, 1),
    )  # fmt: skip
    assert proposal.category_id is not None and activity.category_key.startswith("mosque")
    assert activity.first_date == date(2026, 1, 2)  # the first Friday
    assert activities.dates(activity, date(2026, 1, 1), date(2026, 1, 31)) == [
        date(2026, 1, 2), date(2026, 1, 16), date(2026, 1, 30),
    ]  # fmt: skip
    activity.frequency = "monthly"
    assert activities.dates(activity, date(2026, 1, 1), date(2026, 3, 31)) == [
        date(2026, 1, 2), date(2026, 2, 6), date(2026, 3, 6),
    ]  # fmt: skip
    with pytest.raises(InvalidInput):
        activities.adopt_as_activity(proposal, actor=bank["coordinator"].user, data=_schedule())


def test_the_proposer_hears_of_endorsements_in_the_digest_not_one_by_one(bank, runner):
    """Endorsements make no notice each; the weekly digest counts them, in Arabic."""
    proposer = bank["proposer"]
    proposal = proposals.propose(proposer, actor=proposer.user, data=LIFT, language="ar")
    for member in bank["endorsers"]:
        proposals.endorse(proposal, actor=member.user)
    assert _kinds(proposer) == []
    db.session.commit()
    assert runner.invoke(args=["send-digest"]).exit_code == 0
    mails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient_id == proposer.user_id)
    ).all()
    [mail] = mails
    assert "توصيلة الجمعة إلى المسجد" in mail.body and "٥" in mail.body


def test_the_demo_shows_every_stage_and_a_running_group_activity(app):
    from timebank.database import transaction
    from timebank.demo import DEMO_SLUG, load_demo
    from timebank.models import Community, Proposal

    transaction(load_demo)
    demo = db.session.scalar(select(Community).where(Community.slug == DEMO_SLUG))
    stages = set(db.session.scalars(select(Proposal.stage).where(Proposal.community_id == demo.id)))
    assert stages == set(ProposalStage)
    lift = db.session.scalar(select(Proposal).where(Proposal.stage == ProposalStage.RUNNING))
    activity = activities.of(lift)
    assert activity is not None and activity.check_list == ["driving"]
    assert len(activities.sessions(activity)) >= 4
    today = date.today()
    figures = codesign_metrics.compute(demo.id, today - timedelta(days=60), today)
    assert figures.designed_minutes >= 4 * 180
    assert (
        metrics.member(lift.proposer, periods.custom(today - timedelta(days=60), today)).level
        == "transformation"
    )
