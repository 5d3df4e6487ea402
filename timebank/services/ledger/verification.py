"""Ledger verification (DESIGN.md §4 promises 1–3 and 15), used by ``flask verify-ledger``
and by the tests after every step. Read-only; every figure is an SQL aggregate."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import BindParameter, and_, bindparam, case, func, or_, select

from timebank.extensions import db
from timebank.models import (
    Account,
    AccountKind,
    Community,
    Entry,
    Exchange,
    ExchangeKind,
    ExchangeStatus,
)
from timebank.services.ledger import activity, rollup_model

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
    # Legal states worth a look: accounts past a lowered limit, a pot past its limit.
    notes: list[str] = field(default_factory=list)

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


_COMMUNITY: BindParameter[int] = bindparam("community_id")
_IN_COMMUNITY = Account.community_id == _COMMUNITY
_OF_COMMUNITY = Exchange.community_id == _COMMUNITY


@cache
def _statements() -> dict:
    """Built once with the community as a bound parameter: the state-machine test runs
    them after every step, so construction cost matters."""
    return {
        **_totals(),
        **_cached_balances(),
        **_legs(),
        **_reversals(),
        **_history(),
    }


def _totals() -> dict:
    """Promise 1: the sums of balances and of entries (both must be zero)."""
    return {
        "totals": select(func.count(), func.coalesce(func.sum(Account.balance), 0)).where(
            _IN_COMMUNITY
        ),
        "entries": (
            select(func.count(), func.coalesce(func.sum(Entry.delta), 0))
            .join(Account, Entry.account_id == Account.id)
            .where(_IN_COMMUNITY)
        ),
        "posted": select(func.count()).where(_OF_COMMUNITY, Exchange.status.in_(POSTED_STATUSES)),
    }


def _cached_balances() -> dict:
    """Promise 2: each cached balance equals its entries' sum. Promise 7 (no movement
    towards a limit ends past it) is held by triggers; an account past a lowered limit, or
    a pot past its limit after a write-off, is legal: counted as a note, not a problem."""
    sums = (
        select(Entry.account_id, func.sum(Entry.delta).label("total"))
        .join(Account, Entry.account_id == Account.id)
        .where(_IN_COMMUNITY)
        .group_by(Entry.account_id)
        .subquery()
    )
    return {
        "drift": (
            select(Account.id, Account.balance, func.coalesce(sums.c.total, 0))
            .outerjoin(sums, sums.c.account_id == Account.id)
            .where(_IN_COMMUNITY, Account.balance != func.coalesce(sums.c.total, 0))
        ),
        "outside": select(Account.kind, func.count())
        .where(
            _IN_COMMUNITY,
            or_(
                Account.balance < -Account.credit_limit,
                and_(Account.upper_limit.is_not(None), Account.balance > Account.upper_limit),
            ),
        )
        .group_by(Account.kind),
    }


def _legs() -> dict:
    """Promise 3: two legs, +m provider and −m recipient, on posted (or later reversed)
    exchanges; none on any other; no leg of an exchange of another community; and each
    leg dated with its exchange's service date (the order statements read in)."""
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
        .where(_OF_COMMUNITY)
        .group_by(Entry.exchange_id)
        .subquery()
    )
    wrong_legs = or_(
        legs.c.n.is_(None),
        legs.c.n != 2,
        legs.c.credit != Exchange.minutes,
        legs.c.debit != -Exchange.minutes,
    )
    return {
        "legs": (
            select(Exchange.id, Exchange.status, legs.c.n)
            .outerjoin(legs, legs.c.exchange_id == Exchange.id)
            .where(
                _OF_COMMUNITY,
                or_(
                    and_(Exchange.status.in_(POSTED_STATUSES), wrong_legs),
                    and_(Exchange.status.not_in(POSTED_STATUSES), legs.c.n.is_not(None)),
                ),
            )
        ),
        "foreign": (
            select(func.count())
            .select_from(Entry)
            .join(Account, Entry.account_id == Account.id)
            .join(Exchange, Exchange.id == Entry.exchange_id)
            .where(_IN_COMMUNITY, Exchange.community_id != _COMMUNITY)
        ),
        # Statements read an entry's copy of the service date: it is its exchange's.
        "dated": (
            select(func.count())
            .select_from(Entry)
            .join(Exchange, Exchange.id == Entry.exchange_id)
            .where(_OF_COMMUNITY, Entry.service_date != Exchange.service_date)
        ),
    }


def _reversals() -> dict:
    """Promise 4: reversed exchanges and reversals match one to one."""
    original = Exchange.__table__.alias("original")
    reversal = Exchange.__table__.alias("reversal")
    orphans = (
        select(func.count())
        .select_from(Exchange)
        .outerjoin(original, original.c.id == Exchange.reverses_exchange_id)
        .where(
            _OF_COMMUNITY,
            Exchange.kind == ExchangeKind.REVERSAL,
            or_(original.c.status.is_(None), original.c.status != ExchangeStatus.REVERSED.value),
        )
        .scalar_subquery()
    )
    unreversed = (
        select(func.count())
        .select_from(Exchange)
        .outerjoin(reversal, reversal.c.reverses_exchange_id == Exchange.id)
        .where(_OF_COMMUNITY, Exchange.status == ExchangeStatus.REVERSED, reversal.c.id.is_(None))
        .scalar_subquery()
    )
    return {"reversals": select(orphans + unreversed)}


def _history() -> dict:
    """Promise 15: each entry's balance_after is the running sum of its account's deltas
    (so the balance at any past moment is derivable), and the last one is the cached
    balance."""
    running = (
        select(
            Entry.balance_after,
            func.sum(Entry.delta)
            .over(partition_by=Entry.account_id, order_by=Entry.id)
            .label("running"),
        )
        .join(Account, Entry.account_id == Account.id)
        .where(_IN_COMMUNITY)
        .subquery()
    )
    last = (
        select(Entry.account_id, func.max(Entry.id).label("last_id"))
        .join(Account, Entry.account_id == Account.id)
        .where(_IN_COMMUNITY)
        .group_by(Entry.account_id)
        .subquery()
    )
    return {
        "running": (
            select(func.count())
            .select_from(running)
            .where(running.c.running != running.c.balance_after)
        ),
        "stale": (
            select(func.count())
            .select_from(Account)
            .join(last, last.c.account_id == Account.id)
            .join(Entry, Entry.id == last.c.last_id)
            .where(_IN_COMMUNITY, Entry.balance_after != Account.balance)
        ),
    }


def verify_community(community: Community) -> CommunityReport:
    """Check one community's ledger; ``report.problems`` lists every violation found."""
    s = _statements()
    params = {"community_id": community.id}

    def run(name: str):
        return db.session.execute(s[name], params)

    report = CommunityReport(community.id, community.slug)
    report.accounts, report.balance_sum = (int(v) for v in run("totals").one())
    report.entries, report.delta_sum = (int(v) for v in run("entries").one())
    report.posted_exchanges = int(run("posted").scalar_one())
    problems = report.problems
    if report.balance_sum != 0:
        problems.append(f"sum of balances is {report.balance_sum}, not 0")
    if report.delta_sum != 0:
        problems.append(f"sum of entry deltas is {report.delta_sum}, not 0")
    for account_id, balance, total in run("drift"):
        problems.append(f"account {account_id}: cached balance {balance} ≠ entry sum {total}")
    for exchange_id, status, n in run("legs"):
        problems.append(f"exchange {exchange_id} ({status}) has {n or 0} wrong legs")
    checks = {
        "foreign": "entries belong to another community's exchanges",
        "dated": "entries have a service date that is not their exchange's",
        "reversals": "reversals do not match their originals",
        "running": "entries have a balance_after that is not the running sum",
        "stale": "accounts differ from their last entry's balance_after",
    }
    for name, message in checks.items():
        count = int(run(name).scalar_one() or 0)
        if count:
            problems.append(f"{count} {message}")
    for kind, count in run("outside"):
        what = "community pot" if kind == AccountKind.POT else "member accounts"
        report.notes.append(f"{count} {what} past a limit (legal: new movements paused)")
    _check_read_models(community, problems)
    return report


def _check_read_models(community: Community, problems: list[str]) -> None:
    """Read models kept on posting (``activity.py``) agree with the ledger."""
    stale = activity.stale_count(community.id)
    if stale:
        problems.append(f"{stale} accounts have a last exchange date that is not their latest")
    if wrong := rollup_model.differences(community.id):
        problems.append(f"{wrong} monthly metrics rollup rows differ from the exchanges")


def verify_all() -> list[CommunityReport]:
    """Reports for every community, plus the installation-wide zero sum."""
    reports = [
        verify_community(community)
        for community in db.session.scalars(select(Community).order_by(Community.id))
    ]
    total = int(db.session.scalar(select(func.coalesce(func.sum(Entry.delta), 0))) or 0)
    if total and reports:
        reports[0].problems.append(f"sum of all entry deltas is {total}, not 0")
    return reports
