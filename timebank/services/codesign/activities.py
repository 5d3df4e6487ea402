"""Proposals adopted as recurring group activities: the group exchange (one member → several,
or several → one) on a schedule ("every week, Friday 17:00"), remembering the proposal and
its proposer. A coordinator records each session's hours as a group exchange in the
activity's category; whoever gives the hours must hold the activity's safeguarding checks.
The first session recorded moves an adopted proposal to *running* (the proposer is told).
The metrics read these hours as "hours through member-designed services"
(``metrics.codesign``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from timebank.extensions import db
from timebank.models import (
    ActivitySession,
    Category,
    CheckType,
    Exchange,
    GroupActivity,
    Membership,
    Proposal,
    ProposalStage,
    User,
    utcnow,
)
from timebank.services import audit
from timebank.services.codesign import proposals
from timebank.services.companionship import safeguarding
from timebank.services.exceptions import InvalidInput
from timebank.services.exchanges import movements
from timebank.services.languages import join_list

SCHEDULES = {
    "weekly": _l("Every week"),
    "fortnightly": _l("Every two weeks"),
    "monthly": _l("Every month"),
}
ADOPTABLE = (*proposals.OPEN_STAGES, ProposalStage.ADOPTED, ProposalStage.RUNNING)
MAX_MINUTES = 1440


@dataclass
class ActivityInput:
    frequency: str = ""
    weekday: int | None = None
    starts_at: time | None = None
    minutes: int | None = None
    first_date: date | None = None  # the first occurrence is on or after it (default today)
    category_key: str = ""  # an existing category; or name a new one
    name_en: str = ""
    name_ar: str = ""
    checks: list[str] = field(default_factory=list)


def of(proposal: Proposal) -> GroupActivity | None:
    """The group activity ``proposal`` was adopted as, if any."""
    return db.session.scalar(select(GroupActivity).where(GroupActivity.proposal_id == proposal.id))


def _first_on(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _schedule(data: ActivityInput, today: date) -> tuple[str, int, time, int, date]:
    if data.frequency not in SCHEDULES:
        raise InvalidInput(_l("Choose how often."), field="frequency")
    if data.weekday is None or not 0 <= data.weekday <= 6:
        raise InvalidInput(_l("Choose the day of the week."), field="weekday")
    if data.starts_at is None:
        raise InvalidInput(_l("Enter the time it starts, for example 17:00."), field="starts_at")
    if data.minutes is None or not 1 <= data.minutes <= MAX_MINUTES:
        raise InvalidInput(_l("Enter the hours, for example 1 or 1.5."), field="hours")
    first = _first_on(data.first_date or today, data.weekday)
    return data.frequency, data.weekday, data.starts_at, data.minutes, first


def _checks(chosen: Sequence[str]) -> str:
    known = {c.value for c in CheckType}
    if any(c not in known for c in chosen):
        raise InvalidInput(_l("Choose from the listed checks."), field="checks")
    return ",".join(c.value for c in CheckType if c.value in chosen)


def _category(proposal: Proposal, data: ActivityInput, actor: User) -> str:
    """The category key of the activity's hours: a new category (which adopts the proposal
    as a category too), the proposal's own, or an existing one."""
    if data.name_en.strip() or data.name_ar.strip():
        if proposal.category_id is not None:
            raise InvalidInput(_l("This proposal already has its category."), field="name_en")
        proposals.adopt(proposal, actor=actor, name_en=data.name_en, name_ar=data.name_ar)
        return db.session.get_one(Category, proposal.category_id).key
    key = data.category_key or ""
    if not key and proposal.category_id is not None:
        return db.session.get_one(Category, proposal.category_id).key
    found = db.session.scalar(
        select(Category.key).where(
            Category.community_id == proposal.community_id,
            Category.key == key,
            Category.retired_at.is_(None),
        )
    )
    if found is None:
        raise InvalidInput(
            _l("Choose the category its hours are recorded in, or name a new one."),
            field="category_key",
        )
    return found


def adopt_as_activity(
    proposal: Proposal, *, actor: User, data: ActivityInput, today: date | None = None
) -> GroupActivity:
    """Adopt ``proposal`` as a recurring group activity (coordinators: ``NotAllowed``),
    while it is open — or already adopted or running as a category without an activity.
    ``InvalidInput`` for a bad schedule, category or check. An open proposal becomes
    adopted: the proposer and the endorsers are told."""
    community = proposals.check_decider(actor, proposal)
    if proposal.stage not in ADOPTABLE or of(proposal) is not None:
        raise InvalidInput(_l("This proposal cannot become a group activity now."))
    frequency, weekday, starts_at, minutes, first = _schedule(data, today or utcnow().date())
    checks = _checks(data.checks)
    was_open = proposal.stage in proposals.OPEN_STAGES
    category_key = _category(proposal, data, actor)
    activity = GroupActivity(
        community_id=community.id,
        proposal_id=proposal.id,
        proposer_id=proposal.proposer_id,
        category_key=category_key,
        frequency=frequency,
        weekday=weekday,
        starts_at=starts_at,
        minutes=minutes,
        first_date=first,
        checks=checks,
        created_by_id=actor.id,
    )
    db.session.add(activity)
    db.session.flush()
    audit.record("proposal.activity", actor=actor, community_id=community.id, obj=proposal,
                 details={"activity_id": activity.id})  # fmt: skip
    if was_open and proposal.stage in proposals.OPEN_STAGES:
        proposals.mark_adopted(proposal, community, actor=actor)
    return activity


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    first = _first_on(date(year, month, 1), weekday)
    day = first + timedelta(days=7 * (nth - 1))
    return day if day.month == month else day - timedelta(days=7)


def dates(activity: GroupActivity, start: date, end: date) -> list[date]:
    """The activity's planned dates from ``start`` to ``end`` (inclusive). Monthly: the same
    weekday of the same week of the month as its first date (the 4th at most)."""
    found: list[date] = []
    if activity.frequency == "monthly":
        nth = min((activity.first_date.day - 1) // 7 + 1, 4)
        year, month = max(start, activity.first_date).year, max(start, activity.first_date).month
        while date(year, month, 1) <= end:
            day = _nth_weekday(year, month, activity.weekday, nth)
            if max(start, activity.first_date) <= day <= end:
                found.append(day)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found
    step = 14 if activity.frequency == "fortnightly" else 7
    day = activity.first_date
    if start > day:
        day += timedelta(days=-(-(start - day).days // step) * step)
    while day <= end:
        found.append(day)
        day += timedelta(days=step)
    return found


def next_date(activity: GroupActivity, today: date) -> date | None:
    upcoming = dates(activity, today, today + timedelta(days=62))
    return upcoming[0] if upcoming else None


def last_date(activity: GroupActivity, today: date) -> date | None:
    """The latest planned date on or before ``today`` (the default date of a session)."""
    past = dates(activity, today - timedelta(days=62), today)
    return past[-1] if past else None


def _check_givers(activity: GroupActivity, givers: Sequence[Membership], day: date) -> None:
    needed = [CheckType(c) for c in activity.check_list]
    for giver in givers:
        missing = [c for c in needed if c not in safeguarding.valid_checks(giver, day)]
        if missing:
            raise InvalidInput(
                _l("%(name)s does not hold the checks this activity needs: %(checks)s.",
                   name=giver.user.display_name,
                   checks=join_list(safeguarding.CHECK_LABELS[c] for c in missing)),
                field="member",
            )  # fmt: skip


def record_session(
    activity: GroupActivity,
    *,
    actor: User,
    providers: Sequence[Membership],
    recipients: Sequence[Membership],
    minutes: int,
    service_date: date,
    idempotency_key: str,
    description: str | None = None,
) -> list[Exchange]:
    """Record one session's hours as a group exchange in the activity's category (the rules
    of ``movements.group_exchange``: coordinators, one → several or several → one, limits),
    after checking that whoever gave holds the activity's checks on that day. Idempotent
    on ``idempotency_key``. The first session moves an adopted proposal to running; a
    retired one records nothing (``InvalidInput``)."""
    if activity.proposal.stage not in (ProposalStage.ADOPTED, ProposalStage.RUNNING):
        raise InvalidInput(_l("This activity is no longer running."))
    _check_givers(activity, providers, service_date)
    community = activity.proposal.proposer.community
    posted = movements.group_exchange(
        community,
        actor=actor,
        providers=providers,
        recipients=recipients,
        minutes=minutes,
        service_date=service_date,
        category=activity.category_key,
        idempotency_key=idempotency_key,
        description=description,
    )
    group_id = posted[0].group_id or posted[0].id
    known = db.session.scalar(
        select(ActivitySession.id).where(ActivitySession.group_id == group_id)
    )
    if known is not None:
        return posted
    db.session.add(
        ActivitySession(
            activity_id=activity.id,
            group_id=group_id,
            service_date=service_date,
            recorded_by_id=actor.id,
        )
    )
    db.session.flush()
    proposal = activity.proposal
    if proposal.stage == ProposalStage.ADOPTED:
        proposal.stage = ProposalStage.RUNNING
        db.session.flush()
        audit.record("proposal.running", actor=actor, community_id=community.id, obj=proposal)
        proposals.tell_proposer(proposal, community)
    return posted


@dataclass(frozen=True)
class SessionRow:
    service_date: date
    people: int
    minutes: int


def sessions(activity: GroupActivity, *, limit: int = 12) -> list[SessionRow]:
    """The latest sessions recorded: date, exchanges (one per pair) and hours given."""
    rows = db.session.execute(
        select(ActivitySession.service_date, func.count(Exchange.id), func.sum(Exchange.minutes))
        .join(Exchange, Exchange.group_id == ActivitySession.group_id)
        .where(ActivitySession.activity_id == activity.id)
        .group_by(ActivitySession.id, ActivitySession.service_date)
        .order_by(ActivitySession.service_date.desc(), ActivitySession.id.desc())
        .limit(limit)
    )
    return [SessionRow(d, int(n), int(m or 0)) for d, n, m in rows]
