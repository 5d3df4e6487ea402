"""Entry points: the cached dashboard, one period's summary, one member's participation."""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import and_, case, func, or_, select

from timebank import models
from timebank.extensions import db
from timebank.models import Account, AuditEvent, Community, Entry, Exchange, Membership
from timebank.services.metrics import compute, queries
from timebank.services.metrics.periods import Period
from timebank.services.metrics.results import (
    CategoryRow,
    Dashboard,
    MemberMonth,
    MemberParticipation,
    Summary,
)

_CACHE_SIZE = 128
_cache: OrderedDict[tuple, Summary] = OrderedDict()
_lock = threading.Lock()


def ledger_state() -> tuple:
    """What the figures depend on, in one cheap query: the last entry (every posting and
    reversal), the last audit event (admissions, role changes), the last membership, and
    the last profile change when profiles exist. Any change gives a new key."""
    parts = [
        select(func.max(Entry.id)).scalar_subquery(),
        select(func.max(AuditEvent.id)).scalar_subquery(),
        select(func.max(Membership.id)).scalar_subquery(),
    ]
    profile = getattr(models, "Profile", None)
    if profile is not None:
        parts.append(select(func.max(profile.updated_at)).scalar_subquery())
    return tuple(db.session.execute(select(*parts)).one())


def summary(community: Community, period: Period) -> Summary:
    return compute.summarise(community.id, period)


def _cached_summary(community_id: int, period: Period, state: tuple) -> Summary:
    key = (community_id, period, state)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    result = compute.summarise(community_id, period)
    with _lock:
        _cache[key] = result
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return result


def dashboard(community: Community, period: Period) -> Dashboard:
    """The period and the previous comparable one. Each period's summary is cached per
    process, keyed by community, period and ``ledger_state()``: a hit costs one query, any
    posting, reversal, admission or role change misses (never stale), and stepping back a
    period reuses the summary already computed as "previous"."""
    state = ledger_state()
    return Dashboard(
        community_id=community.id,
        current=_cached_summary(community.id, period, state),
        previous=_cached_summary(community.id, period.previous(), state),
    )


def clear_cache() -> None:
    with _lock:
        _cache.clear()


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
