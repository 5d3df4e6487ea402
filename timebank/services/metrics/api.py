"""Entry points: the cached dashboard, one period's summary, one member's participation."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import and_, case, func, or_, select

from timebank import models
from timebank.extensions import db
from timebank.models import Account, AuditEvent, Community, Entry, Exchange, Membership, utcnow
from timebank.services import metrics_stamps as stamps
from timebank.services.metrics import compute, periods, queries, store
from timebank.services.metrics.periods import Period
from timebank.services.metrics.results import (
    CategoryRow,
    Dashboard,
    MemberMonth,
    MemberParticipation,
    Participation,
    Summary,
)

_CACHE_SIZE = 128
_memo: OrderedDict[tuple, Summary] = OrderedDict()
_lock = threading.Lock()


def ledger_state(community_id: int) -> str:
    """What the figures depend on, in one cheap query, as a stamp: the community's posting
    version (bumped in each posting's own transaction, see ``stamps``), the last entry, the
    last audit event (admissions, role changes), the last membership, and the last profile
    change when profiles exist. Any change gives a new stamp."""
    parts = [
        stamps.version_of(community_id),
        select(func.max(Entry.id)).scalar_subquery(),
        select(func.max(AuditEvent.id)).scalar_subquery(),
        select(func.max(Membership.id)).scalar_subquery(),
    ]
    profile = getattr(models, "Profile", None)
    if profile is not None:
        parts.append(select(func.max(profile.updated_at)).scalar_subquery())
    row = db.session.execute(select(*parts)).one()
    return ":".join("" if value is None else str(value) for value in row)


def summary(community: Community, period: Period) -> Summary:
    return compute.summarise(community.id, period)


def _cached_summary(community_id: int, period: Period, state: str) -> Summary:
    """This process's memo, then the shared store, then the computation (kept in both)."""
    key = (community_id, period, state)
    with _lock:
        hit = _memo.get(key)
        if hit is not None:
            _memo.move_to_end(key)
            return hit
    shared = store.current()
    kept = shared.get(community_id, period.label)
    result = None
    if kept is not None and kept[0] == state:
        try:
            result = store.decode(kept[1])
        except (ValueError, TypeError, KeyError):
            result = None  # written by another version of the code: computed again
    if result is None or result.period != period:
        result = compute.summarise(community_id, period)
        shared.put(community_id, period.label, state, store.encode(result))
    with _lock:
        _memo[key] = result
        while len(_memo) > _CACHE_SIZE:
            _memo.popitem(last=False)
    return result


def this_year(community: Community, today: date | None = None) -> Participation:
    """This calendar year's participation (members, exchanges, minutes): the figures the
    visitor's home page shows, from the same cached summary as the dashboard's."""
    period = periods.year_of((today or utcnow().date()).year)
    return _cached_summary(community.id, period, ledger_state(community.id)).participation


def dashboard(community: Community, period: Period) -> Dashboard:
    """The period and the previous comparable one. Each period's summary is computed once
    for every process and host: kept in the shared store (``store``: Redis or the
    database) with the stamp of ``ledger_state()`` it was computed at. A hit costs one
    query and a read; any posting, reversal, admission or role change gives a new stamp,
    so a summary is never served stale; stepping back a period reuses the summary already
    computed as "previous"."""
    state = ledger_state(community.id)
    return Dashboard(
        community_id=community.id,
        current=_cached_summary(community.id, period, state),
        previous=_cached_summary(community.id, period.previous(), state),
    )


def refresh(community_ids: Iterable[int] | None = None, *, today: date | None = None) -> int:
    """Compute now, for every community (or those given), the summaries the dashboard is
    opened on (this quarter, this month and this year, and the ones before them) that are
    missing or stale, so no member waits for them. Safe to run from cron or a job queue at
    any frequency; a summary still current costs one read. The number computed."""
    today = today or utcnow().date()
    if community_ids is None:
        community_ids = db.session.scalars(select(Community.id).order_by(Community.id)).all()
    computed = 0
    for community_id in community_ids:
        state = ledger_state(community_id)
        shared = store.current()
        for period in _opened_on(today):
            kept = shared.get(community_id, period.label)
            if kept is None or kept[0] != state:
                _cached_summary(community_id, period, state)
                computed += 1
    return computed


def _opened_on(today: date) -> list[Period]:
    """What the dashboard opens on (this quarter, and the one before to compare), the
    last complete quarter reports usually cover (and its own previous), this month and the
    one before."""
    quarter = periods.quarter_of(today)
    month = periods.month_of(today)
    return [quarter, quarter.previous(), quarter.previous().previous(), month, month.previous()]


def clear_cache() -> None:
    """Forget every summary, in this process and in the shared store."""
    with _lock:
        _memo.clear()
    store.current().clear()


def no_participation(period: Period) -> MemberParticipation:
    """The figures of someone who is not a member (an installation admin): all zero."""
    months = tuple(MemberMonth(m, 0, 0) for m in period.months())
    return MemberParticipation(period, 0, 0, 0, 0, 0, (), months, "not_active", 0)


def member(membership: Membership, period: Period) -> MemberParticipation:
    """One member's figures for the period: given, received, people, categories, months,
    co-production level (the same rule as the dashboard) and current balance."""
    account = db.session.scalar(select(Account).where(Account.membership_id == membership.id))
    community_id = membership.community_id
    start, end = period.start, period.end
    if account is None:
        level = "transformation" if str(membership.role) in compute.SHAPING_ROLES else "not_active"
        return MemberParticipation(period, 0, 0, 0, 0, 0, (), (), level, 0)
    mine = and_(
        queries.counted(community_id, start, end),
        or_(
            Exchange.provider_account_id == account.id,
            Exchange.recipient_account_id == account.id,
        ),
    )
    gave = Exchange.provider_account_id == account.id
    given, received, count, helped, helped_by = db.session.execute(
        select(
            func.coalesce(func.sum(case((gave, Exchange.minutes), else_=0)), 0),
            func.coalesce(func.sum(case((gave, 0), else_=Exchange.minutes)), 0),
            func.count(),
            func.count(func.distinct(case((gave, Exchange.recipient_account_id)))),
            func.count(func.distinct(case((gave, None), else_=Exchange.provider_account_id))),
        ).where(mine)
    ).one()
    categories = db.session.execute(
        select(Exchange.category, func.count(), func.sum(Exchange.minutes))
        .where(mine)
        .group_by(Exchange.category)
        .order_by(func.sum(Exchange.minutes).desc(), Exchange.category)
    ).all()
    month = queries._month(Exchange.service_date)
    by_month = {
        m: (int(g), int(r))
        for m, g, r in db.session.execute(
            select(
                month,
                func.sum(case((gave, Exchange.minutes), else_=0)),
                func.sum(case((gave, 0), else_=Exchange.minutes)),
            )
            .where(mine)
            .group_by(month)
        )
    }
    proxies, group_givers = queries.shapers(community_id, start, end)
    shapes = (
        str(membership.role) in compute.SHAPING_ROLES
        or membership.user_id in proxies
        or account.id in group_givers
    )
    return MemberParticipation(
        period=period,
        minutes_given=int(given),
        minutes_received=int(received),
        exchanges=int(count),
        people_helped=int(helped),
        helped_by=int(helped_by),
        categories=tuple(CategoryRow(k, int(n), int(m)) for k, n, m in categories),
        months=tuple(MemberMonth(m, *by_month.get(m, (0, 0))) for m in period.months()),
        level=compute.level_of(gave=bool(given), received=bool(received), shapes=shapes),
        balance=account.balance,
    )
