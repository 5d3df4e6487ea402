"""Every figure of a period, computed one way only (DESIGN.md §6). Counts and sums come
from ``queries`` (SQL aggregates) and the period's pairs from ``ties``; graph measures
from ``graph`` (networkx) over the period's provider → recipient pairs of member
accounts.

Co-production level of each member for the period (after the community's training
material): *transformation* — also shapes the service: a coordinator or community admin,
someone who recorded exchanges on another member's behalf (a proxy), or who gave hours in
a group activity; else *support* — gave hours (most also receive); else *compliance* —
only received; else *not active* in the period."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from datetime import timedelta

from timebank.models import Role
from timebank.services.metrics import graph, lookups, queries, ties
from timebank.services.metrics.periods import Period
from timebank.services.metrics.results import (
    CategoryRow,
    Concentration,
    CoProduction,
    Inclusion,
    MonthRow,
    NeighbourhoodRow,
    Participation,
    PotFlows,
    Reciprocity,
    Reconciliation,
    Summary,
    Ties,
)

BALANCE_THRESHOLD_MINUTES = 10 * 60
ISOLATED_DAYS = 30
QUIET_WINDOW_DAYS = 90  # the longest "no exchange in N days" figure
SHAPING_ROLES = {Role.COORDINATOR.value, Role.ADMIN.value}
LEVELS = ("not_active", "compliance", "support", "transformation")


def level_of(*, gave: bool, received: bool, shapes: bool) -> str:
    if shapes:
        return "transformation"
    if gave:
        return "support"
    if received:
        return "compliance"
    return "not_active"


def summarise(community_id: int, period: Period) -> Summary:
    """All figures for one community and period. A fixed number of queries, whatever the
    number of exchanges."""
    with _collector_paused():
        return _summarise(community_id, period)


def _summarise(community_id: int, period: Period) -> Summary:
    start, end = period.start, period.end
    month_rows = queries.monthly(community_id, start, end)
    count = sum(n for n, _m in month_rows.values())
    minutes = sum(m for _n, m in month_rows.values())
    activity = queries.activity(community_id, start, end, QUIET_WINDOW_DAYS)
    sides = activity.sides
    given = {a: g for a, (g, _r) in sides.items()}
    received = {a: r for a, (_g, r) in sides.items()}
    members = queries.members_at(community_id, end)
    account_of = {row.membership_id: row.account_id for row in members}

    gave_and_received = sum(1 for g, r in sides.values() if g and r)
    gave_only = sum(1 for g, r in sides.values() if g and not r)
    received_only = sum(1 for g, r in sides.values() if r and not g)
    active = len(sides)
    # Anyone who exchanged in the period was a member then, even if admitted (as recorded)
    # later or gone since: the population is the members at the end plus them.
    listed = {row.account_id for row in members if row.account_id}
    population = len(members) + len(set(sides) - listed)

    where = lookups.neighbourhoods(community_id)
    place = {account_of[m]: n for m, n in where.items() if account_of.get(m)}
    edges, new_ties, crossing = _pairs(ties.ties(community_id, start, end), place)
    network = graph.build(edges)
    pair_count, mutual = graph.mutual_pairs(network)
    circulating = graph.in_circulation(network)
    partner_counts = graph.partners(network)
    groups, largest = graph.components(network)
    bridging = crossing if where else None

    proxies, group_givers = queries.shapers(community_id, start, end)
    users = {row.account_id: row.user_id for row in members if row.account_id}
    levels = dict.fromkeys(LEVELS, 0)
    everyone = listed | set(sides)
    roles = {row.account_id: row.role for row in members if row.account_id}
    for account in everyone:
        g, r = sides.get(account, (0, 0))
        shapes = (
            roles.get(account) in SHAPING_ROLES
            or users.get(account) in proxies
            or account in group_givers
        )
        levels[level_of(gave=bool(g), received=bool(r), shapes=shapes)] += 1
    # Members without an account yet: coordinators still shape the service.
    for row in members:
        if row.account_id is None:
            levels["transformation" if row.role in SHAPING_ROLES else "not_active"] += 1

    care_minutes, care_recipients, isolated = queries.companionship(
        community_id, start, end, ISOLATED_DAYS
    )
    last = activity.last_day
    member_accounts = [row.account_id for row in members]
    quiet_60 = sum(1 for a in member_accounts if _quiet(last.get(a), end, 60))
    quiet_90 = sum(1 for a in member_accounts if _quiet(last.get(a), end, 90))
    beyond = queries.balances_beyond(community_id, end, BALANCE_THRESHOLD_MINUTES)
    first_days = queries.first_exchange_days(community_id, start, end)
    flows = queries.pot_flows(community_id, start, end)
    recon = queries.reconciliation(community_id, start, end)

    return Summary(
        period=period,
        participation=Participation(
            members=population,
            active_members=active,
            active_rate=graph.share(active, population),
            exchanges=count,
            minutes=minutes,
            minutes_per_active=graph.share(minutes, active),
            new_members=len(first_days),
            departed_members=queries.departed(community_id, start, end),
            median_days_to_first_exchange=graph.median_or_none(
                d for d in first_days if d is not None
            ),
        ),
        reciprocity=Reciprocity(
            gave_and_received=gave_and_received,
            gave_only=gave_only,
            received_only=received_only,
            gave_and_received_share=graph.share(gave_and_received, active),
            median_give_receive_ratio=graph.median_ratio(given, received),
            pairs=pair_count,
            mutual_pairs=mutual,
            mutual_pair_share=graph.share(mutual, pair_count),
            in_circulation=circulating,
            in_circulation_share=graph.share(circulating, active),
        ),
        ties=Ties(
            median_partners=graph.median_or_none(partner_counts.values()),
            partner_distribution=graph.partner_distribution(partner_counts.values()),
            new_ties=new_ties,
            new_tie_rate=graph.share(new_ties, count),
            density=graph.density(network, pair_count),
            components=groups,
            largest_component=largest,
            largest_component_share=graph.share(largest, active),
            bridging_exchanges=bridging,
            bridging_share=graph.share(bridging, count) if bridging is not None else None,
        ),
        concentration=Concentration(
            top20_share=graph.top_share(given.values()),
            gini_given=graph.gini(given.values()),
            threshold_minutes=BALANCE_THRESHOLD_MINUTES,
            beyond_threshold=beyond,
            beyond_share=graph.share(beyond, population),
        ),
        inclusion=Inclusion(
            companionship_minutes=care_minutes,
            companionship_recipients=care_recipients,
            isolated_days=ISOLATED_DAYS,
            isolated=isolated,
            no_exchange_60=quiet_60,
            no_exchange_90=quiet_90,
        ),
        coproduction=CoProduction(**levels),
        pot=PotFlows(
            donated_minutes=flows.get("donation", 0),
            granted_minutes=flows.get("grant", 0),
            settled_minutes=flows.get("settlement", 0),
        ),
        months=tuple(
            MonthRow(m, *month_rows.get(m, (0, 0)), activity.active_by_month.get(m, 0))
            for m in period.months()
        ),
        categories=tuple(
            CategoryRow(k, n, m) for k, n, m in queries.by_category(community_id, start, end)
        ),
        neighbourhoods=_by_neighbourhood(members, where, sides) if where else (),
        reconciliation=Reconciliation(*recon),
    )


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a summary is computed: hundreds of
    thousands of short-lived rows, pairs and graph nodes without cycles, over which the
    collector would otherwise walk the whole heap again and again (on the benchmark
    community about a third of the graph's time, and a full collection of ~0.1 s at some
    random query). Collection resumes, and catches up, afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _pairs(rows, place: dict[int, str]) -> tuple[list[tuple[int, int]], int, int]:
    """From the period's pairs (``ties.Tie``), in one pass: the graph's directed edges,
    the new ties, and the exchanges between members of different neighbourhoods (a member
    who has not said where they live is in the neighbourhood "")."""
    edges: list[tuple[int, int]] = []
    add = edges.append
    new = crossing = 0
    for low, high, forward, backward, fresh in rows:
        if forward:
            add((low, high))
        if backward:
            add((high, low))
        new += fresh
        if place and place.get(low, "") != place.get(high, ""):
            crossing += forward + backward
    return edges, new, crossing


def _quiet(last_day, end, days: int) -> bool:
    return last_day is None or last_day < end - timedelta(days=days)


def _by_neighbourhood(members, where: dict[int, str], sides) -> tuple[NeighbourhoodRow, ...]:
    table: dict[str, list[int]] = {}
    for member in members:
        row = table.setdefault(where.get(member.membership_id, ""), [0, 0, 0, 0])
        g, r = sides.get(member.account_id, (0, 0))
        row[0] += 1
        row[1] += 1 if (g or r) else 0
        row[2] += g
        row[3] += r
    return tuple(
        NeighbourhoodRow(name, *values)
        for name, values in sorted(table.items(), key=lambda item: (item[0] == "", item[0]))
    )
