"""Ledger verification (DESIGN.md §4 promises 1–3 and 15), used by ``flask verify-ledger``
and by the tests after every step. Read-only; every figure is an SQL aggregate."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, or_, select

from timebank.extensions import db
from timebank.models import Account, Community, Entry, Exchange, ExchangeKind, ExchangeStatus

POSTED_STATUSES = (ExchangeStatus.POSTED, ExchangeStatus.REVERSED)


@dataclass
class CommunityReport:
    community_id: int
    slug: str
    accounts: int = 0
    posted_exchanges: int = 0
    entries: int = 0
    balance_sum: int = 0
    delta_sum: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        state = "ok" if self.ok else f"{len(self.problems)} PROBLEM(S)"
        return (
            f"{self.slug}: {self.accounts} accounts, {self.posted_exchanges} posted exchanges, "
            f"{self.entries} entries, sum of balances {self.balance_sum}, "
            f"sum of entries {self.delta_sum}: {state}"
        )


def _scalar(statement) -> int:
    return int(db.session.scalar(statement) or 0)


def verify_community(community: Community) -> CommunityReport:
    """Check one community's ledger; ``report.problems`` lists every violation found."""
    report = CommunityReport(community.id, community.slug)
    in_community = Account.community_id == community.id
    report.accounts = _scalar(select(func.count()).select_from(Account).where(in_community))
    report.balance_sum = _scalar(select(func.sum(Account.balance)).where(in_community))
    entries = select(Entry).join(Account, Entry.account_id == Account.id).where(in_community)
    report.entries = _scalar(select(func.count()).select_from(entries.subquery()))
    report.delta_sum = _scalar(
        select(func.sum(Entry.delta))
        .join(Account, Entry.account_id == Account.id)
        .where(in_community)
    )
    report.posted_exchanges = _scalar(
        select(func.count()).where(
            Exchange.community_id == community.id, Exchange.status.in_(POSTED_STATUSES)
        )
    )
    problems = report.problems
    # Promise 1: zero sum.
    if report.balance_sum != 0:
        problems.append(f"sum of balances is {report.balance_sum}, not 0")
    if report.delta_sum != 0:
        problems.append(f"sum of entry deltas is {report.delta_sum}, not 0")
    # Promise 2: cached balance = entry sum.
    entry_sums = (
        select(Entry.account_id, func.sum(Entry.delta).label("total"))
        .group_by(Entry.account_id)
        .subquery()
    )
    drift = db.session.execute(
        select(Account.id, Account.balance, func.coalesce(entry_sums.c.total, 0))
        .outerjoin(entry_sums, entry_sums.c.account_id == Account.id)
        .where(in_community, Account.balance != func.coalesce(entry_sums.c.total, 0))
    ).all()
    for account_id, balance, total in drift:
        problems.append(f"account {account_id}: cached balance {balance} ≠ entry sum {total}")
    # Promise 3: exactly two legs (−m recipient, +m provider) per posted exchange, none
    # on any other exchange, and every entry belongs to an exchange of this community.
    legs = (
        select(
            Entry.exchange_id,
            func.count().label("n"),
            func.sum(
                case((Entry.account_id == Exchange.provider_account_id, Entry.delta), else_=0)
            ).label("credit"),
            func.sum(
                case((Entry.account_id == Exchange.recipient_account_id, Entry.delta), else_=0)
            ).label("debit"),
        )
        .join(Exchange, Exchange.id == Entry.exchange_id)
        .group_by(Entry.exchange_id)
        .subquery()
    )
    bad_legs = db.session.execute(
        select(Exchange.id, Exchange.status, legs.c.n)
        .outerjoin(legs, legs.c.exchange_id == Exchange.id)
        .where(
            Exchange.community_id == community.id,
            or_(
                and_(
                    Exchange.status.in_(POSTED_STATUSES),
                    or_(
                        legs.c.n.is_(None),
                        legs.c.n != 2,
                        legs.c.credit != Exchange.minutes,
                        legs.c.debit != -Exchange.minutes,
                    ),
                ),
                and_(Exchange.status.not_in(POSTED_STATUSES), legs.c.n.is_not(None)),
            ),
        )
    ).all()
    for exchange_id, status, n in bad_legs:
        problems.append(f"exchange {exchange_id} ({status}) has {n or 0} wrong legs")
    foreign = _scalar(
        select(func.count())
        .select_from(Entry)
        .join(Account, Entry.account_id == Account.id)
        .join(Exchange, Exchange.id == Entry.exchange_id)
        .where(in_community, Exchange.community_id != community.id)
    )
    if foreign:
        problems.append(f"{foreign} entries belong to another community's exchanges")
    # Reversed exchanges and reversals match one to one.
    original = Exchange.__table__.alias("original")
    mismatched = _scalar(
        select(func.count())
        .select_from(Exchange)
        .outerjoin(original, original.c.id == Exchange.reverses_exchange_id)
        .where(
            Exchange.community_id == community.id,
            Exchange.kind == ExchangeKind.REVERSAL,
            or_(original.c.status.is_(None), original.c.status != ExchangeStatus.REVERSED.value),
        )
    )
    reversal = Exchange.__table__.alias("reversal")
    unlinked = _scalar(
        select(func.count())
        .select_from(Exchange)
        .outerjoin(reversal, reversal.c.reverses_exchange_id == Exchange.id)
        .where(
            Exchange.community_id == community.id,
            Exchange.status == ExchangeStatus.REVERSED,
            reversal.c.id.is_(None),
        )
    )
    if mismatched or unlinked:
        problems.append(f"{mismatched + unlinked} reversals do not match their originals")
    # Promise 15: each entry's balance_after is the running sum of its account's deltas, so
    # a balance at any past moment is derivable; the last one equals the cached balance.
    running = (
        select(
            Entry.id,
            Entry.account_id,
            Entry.balance_after,
            func.sum(Entry.delta)
            .over(partition_by=Entry.account_id, order_by=Entry.id)
            .label("running"),
        )
        .join(Account, Entry.account_id == Account.id)
        .where(in_community)
        .subquery()
    )
    broken = _scalar(
        select(func.count())
        .select_from(running)
        .where(running.c.running != running.c.balance_after)
    )
    if broken:
        problems.append(f"{broken} entries have a balance_after that is not the running sum")
    last = (
        select(Entry.account_id, func.max(Entry.id).label("last_id"))
        .group_by(Entry.account_id)
        .subquery()
    )
    stale = _scalar(
        select(func.count())
        .select_from(Account)
        .join(last, last.c.account_id == Account.id)
        .join(Entry, Entry.id == last.c.last_id)
        .where(in_community, Entry.balance_after != Account.balance)
    )
    if stale:
        problems.append(f"{stale} accounts differ from their last entry's balance_after")
    outside = _scalar(
        select(func.count()).where(
            in_community,
            or_(
                Account.balance < -Account.credit_limit,
                and_(Account.upper_limit.is_not(None), Account.balance > Account.upper_limit),
            ),
        )
    )
    if outside:
        problems.append(f"{outside} accounts are outside their limits")
    return report


def verify_all() -> list[CommunityReport]:
    """Reports for every community, plus a check that no entry or account is orphaned."""
    reports = [
        verify_community(community)
        for community in db.session.scalars(select(Community).order_by(Community.id))
    ]
    total = _scalar(select(func.sum(Entry.delta)))
    if total and reports:
        reports[0].problems.append(f"sum of all entry deltas is {total}, not 0")
    return reports
