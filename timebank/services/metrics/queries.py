"""SQL aggregates behind the metrics. Each function is one statement whose row count grows
with members or pairs, never with the number of exchanges.

What counts as activity (``counted``): exchanges of kind ``exchange`` or ``group`` whose
status is ``posted`` and whose service date falls in the period. So:
- a reversed exchange (status ``reversed``) and its reversal (kind ``reversal``) cancel out
  and are both left out, whenever the reversal happened;
- pot movements (donations, grants, settlements) are not exchanges between members: they
  appear only as pot flows;
- pending, rejected, cancelled and expired records never moved any hours."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import aliased

from timebank.extensions import db
from timebank.models import (
    Account,
    AccountKind,
    Entry,
    Exchange,
    ExchangeKind,
    ExchangeStatus,
    Membership,
    MembershipStatus,
    Proposal,
    ProposalStage,
    ProposalVolunteer,
)

COUNTED_KINDS = (ExchangeKind.EXCHANGE, ExchangeKind.GROUP)
COMPANIONSHIP = "companionship"
CODESIGN = "co-design"  # the category of hours spent designing the service
MEMBER_STATUSES = (MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED)


def plain_rows(statement) -> Sequence[Row]:
    """Run ``statement`` on the session's connection and return all its plain rows, fetched
    at once: for results with a row per member or per pair, without the ORM's handling of
    each row."""
    return db.session.connection().execute(statement).all()


def end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def counted(community_id: int, start: date | None, end: date):
    conditions = [
        Exchange.community_id == community_id,
        Exchange.status == ExchangeStatus.POSTED,
        Exchange.kind.in_(COUNTED_KINDS),
        Exchange.service_date <= end,
    ]
    if start is not None:
        conditions.append(Exchange.service_date >= start)
    return and_(*conditions)


def _month(column):
    """A date column's month as ``YYYY-MM``. SQLite stores dates as ISO text, so the month
    is its first seven characters (cheaper than ``strftime`` over every row of a period)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.substr(column, 1, 7)


def legs(community_id: int, start: date | None, end: date):
    """One row per side of each counted exchange: (account, day, minutes, gave 1/0)."""
    where = counted(community_id, start, end)
    return union_all(
        select(
            Exchange.provider_account_id.label("account_id"),
            Exchange.service_date.label("day"),
            Exchange.minutes.label("minutes"),
            literal(1).label("gave"),
        ).where(where),
        select(
            Exchange.recipient_account_id,
            Exchange.service_date,
            Exchange.minutes,
            literal(0),
        ).where(where),
    ).subquery("legs")


class Activity(NamedTuple):
    """Who took part in a period, from one pass over its legs."""

    sides: dict[int, tuple[int, int]]  # account → (minutes given, received), active only
    active_by_month: dict[str, int]  # YYYY-MM → accounts with a leg in that month
    last_day: dict[int, date]  # account → its last exchange up to the end (see activity)


def activity(community_id: int, start: date, end: date, window: int) -> Activity:
    """Minutes given and received per account, active accounts per month, and each
    account's last exchange day: one statement and one sort of the legs, whose rows grow
    with accounts × months. The legs read reach back ``window`` days before the end when
    the period is shorter, so an account absent from ``last_day`` (or last seen before
    ``end - window``) had no exchange in the last ``window`` days."""
    since = min(start, end - timedelta(days=window))
    sides = legs(community_id, since, end)
    inside = sides.c.day >= start
    month = _month(sides.c.day)
    per_month = (
        select(
            sides.c.account_id.label("account_id"),
            month.label("month"),
            func.sum(case((and_(inside, sides.c.gave == 1), sides.c.minutes), else_=0)).label(
                "given"
            ),
            func.sum(case((and_(inside, sides.c.gave == 0), sides.c.minutes), else_=0)).label(
                "received"
            ),
            func.max(case((inside, 1), else_=0)).label("inside"),
            func.max(sides.c.day).label("last_day"),
        )
        .group_by(sides.c.account_id, month)
        .cte("account_months")
    )
    result = plain_rows(
        union_all(
            select(
                per_month.c.account_id,
                cast(null(), String).label("month"),
                func.sum(per_month.c.given),
                func.sum(per_month.c.received),
                func.max(per_month.c.last_day),
            ).group_by(per_month.c.account_id),
            select(
                cast(null(), Integer),
                per_month.c.month,
                func.count(),
                literal(0),
                cast(null(), Date),
            )
            .where(per_month.c.inside == 1)
            .group_by(per_month.c.month),
        )
    )
    sums: dict[int, tuple[int, int]] = {}
    by_month: dict[str, int] = {}
    last: dict[int, date] = {}
    for account, month_key, given, received, last_day in result:
        if account is None:
            by_month[month_key] = int(given)
            continue
        last[account] = last_day
        if given or received:  # minutes are at least 1, so this is "had a leg in the period"
            sums[account] = (int(given), int(received))
    return Activity(sums, by_month, last)


def monthly(community_id: int, start: date, end: date) -> dict[str, tuple[int, int]]:
    """month → (exchanges, minutes). Summed per day first, which follows the date index
    and needs no sort, then per month over at most a few thousand days."""
    daily = (
        select(
            Exchange.service_date.label("day"),
            func.count().label("exchanges"),
            func.sum(Exchange.minutes).label("minutes"),
        )
        .where(counted(community_id, start, end))
        .group_by(Exchange.service_date)
        .subquery("daily")
    )
    month = _month(daily.c.day)
    return {
        m: (int(n), int(minutes))
        for m, n, minutes in db.session.execute(
            select(month, func.sum(daily.c.exchanges), func.sum(daily.c.minutes)).group_by(month)
        )
    }


def by_category(community_id: int, start: date, end: date) -> list[tuple[str, int, int]]:
    rows = db.session.execute(
        select(Exchange.category, func.count(), func.sum(Exchange.minutes))
        .where(counted(community_id, start, end))
        .group_by(Exchange.category)
    )
    ordered = sorted(((k, int(n), int(m)) for k, n, m in rows), key=lambda r: (-r[2], r[0]))
    return ordered


class MemberRow(NamedTuple):
    membership_id: int
    account_id: int | None
    role: str
    user_id: int


def members_at(community_id: int, end: date) -> list[MemberRow]:
    """Every member at the end of the period: admitted by then and not departed."""
    admitted = func.coalesce(Membership.decided_at, Membership.created_at)
    result = plain_rows(
        select(Membership.id, Account.id, cast(Membership.role, String), Membership.user_id)
        .outerjoin(Account, Account.membership_id == Membership.id)
        .where(
            Membership.community_id == community_id,
            Membership.status.in_(MEMBER_STATUSES),
            Membership.member_number.is_not(None),
            admitted < end_of(end),
        )
    )
    return [MemberRow(*row) for row in result]


def first_exchange_days(community_id: int, start: date, end: date) -> list[int | None]:
    """For members admitted in the period: days from admission to their first exchange (up
    to the end of the period), or None if they have not exchanged yet."""
    admitted = func.coalesce(Membership.decided_at, Membership.created_at)
    sides = legs(community_id, None, end)
    first = (
        select(sides.c.account_id, func.min(sides.c.day).label("first_day"))
        .group_by(sides.c.account_id)
        .subquery()
    )
    rows = db.session.execute(
        select(admitted, first.c.first_day)
        .select_from(Membership)
        .outerjoin(Account, Account.membership_id == Membership.id)
        .outerjoin(first, first.c.account_id == Account.id)
        .where(
            Membership.community_id == community_id,
            Membership.member_number.is_not(None),
            admitted >= end_of(start - timedelta(days=1)),
            admitted < end_of(end),
        )
    )
    out: list[int | None] = []
    for admitted_at, first_day in rows:
        if first_day is None:
            out.append(None)
        else:
            out.append(max(0, (first_day - admitted_at.date()).days))
    return out


def shapers(community_id: int, start: date, end: date) -> tuple[set[int], set[int]]:
    """(user ids who recorded exchanges on someone's behalf, account ids that gave in a
    group activity) in the period: both shape the service; with them, the co-designers
    (``codesigners``)."""
    on_behalf = union_all(
        select(Exchange.recorded_by_id.label("id"), literal("user").label("what")).where(
            Exchange.community_id == community_id,
            Exchange.on_behalf_of_id.is_not(None),
            Exchange.on_behalf_of_id != Exchange.recorded_by_id,
            Exchange.status == ExchangeStatus.POSTED,
            Exchange.service_date.between(start, end),
        ),
        select(Exchange.provider_account_id, literal("account")).where(
            counted(community_id, start, end), Exchange.kind == ExchangeKind.GROUP
        ),
    ).subquery()
    users, accounts = codesigners(community_id, start, end)
    for identifier, what in db.session.execute(select(on_behalf.c.id, on_behalf.c.what).distinct()):
        (users if what == "user" else accounts).add(identifier)
    return users, accounts


def codesigners(community_id: int, start: date, end: date) -> tuple[set[int], set[int]]:
    """(user ids, account ids) of the members who transformed the service through the
    co-design board in the period: proposed a service adopted then, volunteer to run an
    adopted or running one, or recorded hours in the co-design category (given in an
    exchange, or granted from the pot)."""
    cut = end_of(end)
    adopted = select(Membership.user_id).join(Proposal, Proposal.proposer_id == Membership.id)
    adopted = adopted.where(
        Proposal.community_id == community_id,
        Proposal.adopted_at >= datetime.combine(start, time.min, tzinfo=UTC),
        Proposal.adopted_at < cut,
    )
    helping = (
        select(Membership.user_id)
        .join(ProposalVolunteer, ProposalVolunteer.membership_id == Membership.id)
        .join(Proposal, Proposal.id == ProposalVolunteer.proposal_id)
        .where(
            Proposal.community_id == community_id,
            Proposal.stage.in_([ProposalStage.ADOPTED, ProposalStage.RUNNING]),
            Proposal.adopted_at < cut,
            ProposalVolunteer.created_at < cut,
        )
    )
    users = set(db.session.scalars(adopted.union(helping)))
    # The member provides the hours, whether to another member or to the pot (a grant).
    hours = select(Exchange.provider_account_id).where(
        Exchange.community_id == community_id,
        Exchange.status == ExchangeStatus.POSTED,
        Exchange.kind.in_([*COUNTED_KINDS, ExchangeKind.GRANT]),
        Exchange.category == CODESIGN,
        Exchange.service_date.between(start, end),
    )
    return users, set(db.session.scalars(hours.distinct()))


def balance_before(account, cut: datetime, *, session=None):
    """An account's balance just before ``cut``, as an SQL expression correlated on
    ``account`` (``Account`` or an alias of it). Derived from its entries (promise 15) and
    read from whichever side of the cut holds fewer of them: the sum of its entries before
    the cut, or today's balance (the sum of all of them, promise 2) less those made since.
    Either is one range of ``ix_entries_account_created``, read from the index alone."""
    if _smaller_side(cut, session or db.session) == "before":
        return (
            select(func.coalesce(func.sum(Entry.delta), 0))
            .where(Entry.account_id == account.id, Entry.created_at < cut)
            .scalar_subquery()
        )
    since = (
        select(func.coalesce(func.sum(Entry.delta), 0))
        .where(Entry.account_id == account.id, Entry.created_at >= cut)
        .scalar_subquery()
    )
    return account.balance - since


def balances_beyond(community_id: int, end: date, threshold: int) -> int:
    """Member accounts whose balance at the end of the period was beyond ±threshold
    minutes: one index range per account (``balance_before``), whatever the history's length."""
    members = aliased(Account)
    at_end = balance_before(members, end_of(end))
    return int(
        db.session.scalar(
            select(func.count()).where(
                members.community_id == community_id,
                members.kind == AccountKind.MEMBER,
                func.abs(at_end) > threshold,
            )
        )
        or 0
    )


def _smaller_side(cut: datetime, session) -> str:
    """ "before" or "after" the cut, whichever holds fewer entries, estimated from the ids
    (entries are appended in time order and never deleted) in three index look-ups."""
    after = select(Entry.id).where(Entry.created_at >= cut).order_by(Entry.created_at).limit(1)
    ends = (select(func.min(Entry.id)), select(func.max(Entry.id)), after)
    low, high, boundary = session.execute(select(*(q.scalar_subquery() for q in ends))).one()
    if boundary is None:  # nothing after the cut
        return "after"
    return "before" if boundary - low < high - boundary else "after"


def companionship(community_id: int, start: date, end: date) -> tuple[int, int]:
    """(minutes, recipients in the period). Who may be isolated is counted by
    ``companionship.isolation``, the care dashboard's rule."""
    is_care = and_(counted(community_id, None, end), Exchange.category == COMPANIONSHIP)
    minutes, recipients = db.session.execute(
        select(
            func.coalesce(func.sum(Exchange.minutes), 0),
            func.count(func.distinct(Exchange.recipient_account_id)),
        ).where(is_care, Exchange.service_date >= start)
    ).one()
    return int(minutes), int(recipients)


def pot_flows(community_id: int, start: date, end: date) -> dict[str, int]:
    rows = db.session.execute(
        select(Exchange.kind, func.sum(Exchange.minutes))
        .where(
            Exchange.community_id == community_id,
            Exchange.status == ExchangeStatus.POSTED,
            Exchange.kind.in_((ExchangeKind.DONATION, ExchangeKind.GRANT, ExchangeKind.SETTLEMENT)),
            Exchange.service_date.between(start, end),
        )
        .group_by(Exchange.kind)
    )
    return {str(kind): int(m) for kind, m in rows}


def departed(community_id: int, start: date, end: date) -> int:
    """Members whose leaving was settled with the pot in the period."""
    pot = (
        select(Account.id)
        .where(Account.community_id == community_id, Account.kind == AccountKind.POT)
        .scalar_subquery()
    )
    member = case(
        (Exchange.provider_account_id == pot, Exchange.recipient_account_id),
        else_=Exchange.provider_account_id,
    )
    return int(
        db.session.scalar(
            select(func.count(func.distinct(member))).where(
                Exchange.community_id == community_id,
                Exchange.kind == ExchangeKind.SETTLEMENT,
                Exchange.status == ExchangeStatus.POSTED,
                Exchange.service_date.between(start, end),
            )
        )
        or 0
    )
