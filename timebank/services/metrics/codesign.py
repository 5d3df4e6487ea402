"""Co-design figures (issue 19): proposals made, endorsed and adopted; members involved in
co-design; hours given through services that members proposed — with their definitions,
shown on the dashboard next to the others and in the funder report ("Services the members
designed"). Read from the co-design board's tables and the ledger; kept apart from
``compute`` so the cached ``Summary`` is unchanged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, union

from timebank.extensions import db
from timebank.models import (
    Account,
    ActivitySession,
    Category,
    Exchange,
    ExchangeKind,
    ExchangeStatus,
    GroupActivity,
    Membership,
    Proposal,
    ProposalComment,
    ProposalEndorsement,
    ProposalRevision,
    ProposalStage,
    ProposalVolunteer,
    User,
)
from timebank.services.metrics import queries, rollups
from timebank.services.metrics.periods import Period


@dataclass(frozen=True)
class CodesignFigures:
    proposals_made: int
    proposals_endorsed: int
    proposals_adopted: int
    members_involved: int
    designed_minutes: int  # hours through member-designed services
    designed_exchanges: int


@dataclass(frozen=True)
class CodesignFigure:
    key: str
    group: str
    label: object  # lazy string
    definition: object  # lazy string
    kind: str  # count | minutes (as ``definitions.Figure``)
    get: Callable[[CodesignFigures], int]
    members_see: bool = True


GROUPS = {"codesign": _l("Services the members designed")}
DESIGNED = _l(
    "Hours of counted exchanges in a category adopted from a member's proposal, or "
    "recorded for a group activity adopted from one."
)
FIGURES: tuple[CodesignFigure, ...] = (
    CodesignFigure(
        "proposals_made",
        "codesign",
        _l("Proposals made"),
        _l("Proposals of new services or group activities made on the co-design board."),
        "count",
        lambda c: c.proposals_made,
    ),
    CodesignFigure(
        "proposals_endorsed",
        "codesign",
        _l("Proposals endorsed"),
        _l("Proposals that received at least one endorsement in the period."),
        "count",
        lambda c: c.proposals_endorsed,
    ),
    CodesignFigure(
        "proposals_adopted",
        "codesign",
        _l("Proposals adopted"),
        _l("Proposals a coordinator adopted, as a category or a recurring group activity."),
        "count",
        lambda c: c.proposals_adopted,
    ),
    CodesignFigure(
        "members_involved",
        "codesign",
        _l("Members involved in co-design"),
        _l(
            "Members who proposed, endorsed, commented on or offered to help run a proposal "
            "in the period, or were paid co-design hours."
        ),
        "count",
        lambda c: c.members_involved,
    ),
    CodesignFigure(
        "designed_minutes",
        "codesign",
        _l("Hours through member-designed services"),
        DESIGNED,
        "minutes",
        lambda c: c.designed_minutes,
    ),
)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time.min, tzinfo=UTC), queries.end_of(end)


def _adopted_categories(community_id: int):
    return (
        select(Category.key)
        .join(Proposal, Proposal.category_id == Category.id)
        .where(Proposal.community_id == community_id)
    )


def _session_groups(community_id: int):
    return (
        select(ActivitySession.group_id)
        .join(GroupActivity, GroupActivity.id == ActivitySession.activity_id)
        .where(GroupActivity.community_id == community_id)
    )


def designed(community_id: int):
    """The condition an exchange meets when it went through a member-designed service: its
    category was adopted from a proposal, or it was recorded for an adopted activity."""
    return or_(
        Exchange.category.in_(_adopted_categories(community_id)),
        Exchange.group_id.in_(_session_groups(community_id)),
    )


def designed_totals(
    community_id: int, start: date, end: date, *, from_rollups: bool = True
) -> tuple[int, int]:
    """(minutes, exchanges) through member-designed services in the period: a sum on the
    category index, then one on the group index over the sessions recorded in the period
    (read first: a short list), leaving out what the first counted."""
    adopted = _adopted_categories(community_id)
    sums = select(func.coalesce(func.sum(Exchange.minutes), 0), func.count())
    counted = queries.counted(community_id, start, end)
    # Whole months from the rollups, not from the categories' whole history (issue 15).
    if from_rollups and rollups.whole_months(start, end):
        minutes, count = rollups.minutes_in(community_id, start, end, adopted)
    else:
        minutes, count = db.session.execute(
            sums.where(counted, Exchange.category.in_(adopted))
        ).one()
    groups = list(
        db.session.scalars(
            _session_groups(community_id).where(ActivitySession.service_date.between(start, end))
        )
    )
    if groups:
        more, number = db.session.execute(
            sums.where(Exchange.group_id.in_(groups), counted, Exchange.category.not_in(adopted))
        ).one()
        minutes, count = minutes + more, count + number
    return int(minutes), int(count)


def compute(
    community_id: int, start: date, end: date, *, from_rollups: bool = True
) -> CodesignFigures:
    low, high = _bounds(start, end)
    mine = Proposal.community_id == community_id
    made = db.session.scalar(
        select(func.count()).where(mine, Proposal.created_at >= low, Proposal.created_at < high)
    )
    endorsed = db.session.scalar(
        select(func.count(func.distinct(ProposalEndorsement.proposal_id)))
        .join(Proposal, Proposal.id == ProposalEndorsement.proposal_id)
        .where(mine, ProposalEndorsement.created_at >= low, ProposalEndorsement.created_at < high)
    )
    adopted = db.session.scalar(
        select(func.count()).where(mine, Proposal.adopted_at >= low, Proposal.adopted_at < high)
    )
    people = [
        select(Proposal.proposer_id.label("id")).where(
            mine, Proposal.created_at >= low, Proposal.created_at < high
        )
    ]
    ours = select(Proposal.id).where(mine)
    for model, column in (
        (ProposalEndorsement, ProposalEndorsement.membership_id),
        (ProposalVolunteer, ProposalVolunteer.membership_id),
        (ProposalComment, ProposalComment.author_id),
    ):
        people.append(
            select(column.label("id")).where(
                model.created_at >= low, model.created_at < high, model.proposal_id.in_(ours)
            )
        )
    # Paid co-design hours (as ``queries.codesigners`` reads them): the member provides.
    paid = (
        select(Account.membership_id.label("id"))
        .join(Exchange, Exchange.provider_account_id == Account.id)
        .where(
            Exchange.community_id == community_id,
            Exchange.status == ExchangeStatus.POSTED,
            Exchange.kind.in_([*queries.COUNTED_KINDS, ExchangeKind.GRANT]),
            Exchange.category == queries.CODESIGN,
            Exchange.service_date.between(start, end),
        )
    )
    involved = {m for m in db.session.scalars(union(*people, paid)) if m is not None}
    minutes, count = designed_totals(community_id, start, end, from_rollups=from_rollups)
    return CodesignFigures(made or 0, endorsed or 0, adopted or 0, len(involved), minutes, count)


@dataclass(frozen=True)
class CodesignBoard:
    current: CodesignFigures
    previous: CodesignFigures


def board(community_id: int, period: Period) -> CodesignBoard:
    """The period's co-design figures and the previous comparable period's."""
    before = period.previous()
    return CodesignBoard(
        compute(community_id, period.start, period.end),
        compute(community_id, before.start, before.end),
    )


@dataclass(frozen=True)
class DesignedService:
    proposal_id: int
    title_en: str
    title_ar: str
    proposer: str
    adopted_on: date | None
    stage: str
    as_activity: bool
    minutes: int  # given through it in the period

    def title(self, locale: str) -> str:
        first, other = (
            (self.title_ar, self.title_en) if locale == "ar" else (self.title_en, self.title_ar)
        )
        return first or other


def services(community_id: int, start: date, end: date) -> list[DesignedService]:
    """Every service adopted from a member's proposal by the end of the period and not
    retired before it, with its proposer and the hours given through it in the period."""
    _low, high = _bounds(start, end)
    latest = (
        select(func.max(ProposalRevision.number))
        .where(ProposalRevision.proposal_id == Proposal.id)
        .correlate(Proposal)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            Proposal.id,
            ProposalRevision.title_en,
            ProposalRevision.title_ar,
            User.display_name,
            Proposal.adopted_at,
            Proposal.stage,
            Category.key,
            GroupActivity.id,
        )
        .join(ProposalRevision, (ProposalRevision.proposal_id == Proposal.id)
              & (ProposalRevision.number == latest))
        .join(Membership, Membership.id == Proposal.proposer_id)
        .join(User, User.id == Membership.user_id)
        .outerjoin(Category, Category.id == Proposal.category_id)
        .outerjoin(GroupActivity, GroupActivity.proposal_id == Proposal.id)
        .where(
            Proposal.community_id == community_id,
            Proposal.adopted_at < high,
            Proposal.stage.in_([ProposalStage.ADOPTED, ProposalStage.RUNNING,
                                ProposalStage.RETIRED]),
        )
        .order_by(Proposal.adopted_at, Proposal.id)
    ).all()  # fmt: skip
    found = []
    for pid, title_en, title_ar, name, adopted_at, stage, key, activity_id in rows:
        through = [Exchange.category == key] if key else []
        if activity_id is not None:
            through.append(
                Exchange.group_id.in_(
                    select(ActivitySession.group_id).where(
                        ActivitySession.activity_id == activity_id
                    )
                )
            )
        minutes = through and db.session.scalar(
            select(func.coalesce(func.sum(Exchange.minutes), 0)).where(
                queries.counted(community_id, start, end), or_(*through)
            )
        )
        found.append(
            DesignedService(pid, title_en, title_ar, name,
                            adopted_at.date() if adopted_at else None, str(stage.value),
                            activity_id is not None, int(minutes or 0))
        )  # fmt: skip
    return found
