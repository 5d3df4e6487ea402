"""Every figure of a period, computed one way only (DESIGN.md §6). Counts and sums come
from ``queries`` (SQL aggregates) and the period's pairs from ``ties``; graph measures
from ``graph`` (dicts of sets) over the period's provider → recipient pairs of member
accounts.

Co-production level of each member for the period (after the community's training
material): *transformation* — also shapes the service: a coordinator or community admin,
someone who recorded exchanges on another member's behalf (a proxy), who gave hours in a
group activity, or a co-designer (``queries.codesigners``: proposed a service adopted in
the period, volunteers to run an adopted one, or recorded co-design hours); else
*support* — gave hours (most also receive); else *compliance* — only received; else
*not active* in the period."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from timebank.extensions import db
from timebank.models import Role, utcnow
from timebank.services.companionship import isolation
from timebank.services.metrics import graph, lookups, queries, reconcile, rollups, ties
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


def summarise(community_id: int, period: Period, *, from_rollups: bool = True) -> Summary:
    """All figures for one community and period. A fixed number of queries, whatever the
    number of exchanges. A period of whole months reads its totals and each account's
    activity from the monthly rollups (``rollups``; ``from_rollups=False`` reads the
    exchanges, as for any other period: the figures are the same)."""
    _without_jit()
    with _collector_paused():
        return _summarise(community_id, period, from_rollups)


def _without_jit() -> None:
    """PostgreSQL compiles a statement it expects to be costly (JIT): for the period's
    pairs, whose probes of each pair's history it over-estimates, that took 0.85 s of a
    5 s statement and saved nothing (issue 15); and the pairs' grouping (some 190,000 of
    them in a quarter at 10,000 members) spilled to disk in the default 4 MB of working
    memory. For the rest of this transaction: no JIT, 32 MB to sort and hash in."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL jit = off")
        connection.exec_driver_sql("SET LOCAL work_mem = '32MB'")


@dataclass(frozen=True)
class _People:
    """Who was there in the period: the members at its end, and the accounts that gave
    (``given``) and received (``received``) minutes in it."""

    members: list[queries.MemberRow]
    sides: dict[int, tuple[int, int]]
    listed: set[int]  # accounts of the members at the end
    population: int
    active: int
    given: dict[int, int]
    received: dict[int, int]


@dataclass(frozen=True)
class _Network:
    """The period's provider → recipient graph and what its pairs say."""

    digraph: graph.Graph
    pairs: int
    mutual: int
    new_ties: int
    bridging: int | None


def _summarise(community_id: int, period: Period, from_rollups: bool) -> Summary:
    """The figures, step by step; each step names the section of the summary it fills."""
    start, end = period.start, period.end
    read = rollups if from_rollups and rollups.whole_months(start, end) else queries
    month_rows: dict[str, tuple[int, int]] = read.monthly(community_id, start, end)
    count = sum(n for n, _m in month_rows.values())
    minutes = sum(m for _n, m in month_rows.values())
    activity: queries.Activity = read.activity(community_id, start, end, QUIET_WINDOW_DAYS)
    people = _people(queries.members_at(community_id, end), activity.sides)
    where = lookups.neighbourhoods(community_id)
    network = _network(community_id, period, people, where, fast=read is rollups)
    return Summary(
        period=period,
        participation=_participation(read, community_id, period, people, (count, minutes)),
        reciprocity=_reciprocity(people, network),
        ties=_ties(people, network, count),
        concentration=_concentration(community_id, period, people),
        inclusion=_inclusion(community_id, period, people, activity.last_day),
        coproduction=_coproduction(community_id, period, people),
        pot=_pot(read.pot_flows(community_id, start, end)),
        months=tuple(
            MonthRow(m, *month_rows.get(m, (0, 0)), activity.active_by_month.get(m, 0))
            for m in period.months()
        ),
        categories=tuple(
            CategoryRow(k, n, m) for k, n, m in read.by_category(community_id, start, end)
        ),
        neighbourhoods=_by_neighbourhood(people.members, where, people.sides) if where else (),
        reconciliation=Reconciliation(*reconcile.reconciliation(community_id, start, end)),
    )


def _people(members: list[queries.MemberRow], sides: dict[int, tuple[int, int]]) -> _People:
    listed = {row.account_id for row in members if row.account_id}
    # Anyone who exchanged in the period was a member then, even if admitted (as recorded)
    # later or gone since: the population is the members at the end plus them.
    return _People(
        members=members,
        sides=sides,
        listed=listed,
        population=len(members) + len(set(sides) - listed),
        active=len(sides),
        given={a: g for a, (g, _r) in sides.items()},
        received={a: r for a, (_g, r) in sides.items()},
    )


def _network(
    community_id: int, period: Period, people: _People, where: dict[int, str], *, fast: bool
) -> _Network:
    """``fast``: the new ties counted from ``rollups.new_ties``, not by a probe per pair."""
    account_of = {row.membership_id: row.account_id for row in people.members}
    place = {a: n for m, n in where.items() if (a := account_of.get(m))}
    start, end = period.start, period.end
    rows = ties.ties(community_id, start, end, fresh=not fast)
    edges, new_ties, crossing = _pairs(rows, place)
    if fast:
        new_ties = rollups.new_ties(community_id, start, end)
    network = graph.build(edges)
    pairs, mutual = graph.mutual_pairs(network)
    return _Network(network, pairs, mutual, new_ties, crossing if where else None)


def _participation(
    read, community_id: int, period: Period, people: _People, totals: tuple[int, int]
) -> Participation:
    count, minutes = totals
    first_days = queries.first_exchange_days(community_id, period.start, period.end)
    return Participation(
        members=people.population,
        active_members=people.active,
        active_rate=graph.share(people.active, people.population),
        exchanges=count,
        minutes=minutes,
        minutes_per_active=graph.share(minutes, people.active),
        new_members=len(first_days),
        departed_members=read.departed(community_id, period.start, period.end),
        median_days_to_first_exchange=graph.median_or_none(d for d in first_days if d is not None),
    )


def _reciprocity(people: _People, network: _Network) -> Reciprocity:
    sides = people.sides.values()
    both = sum(1 for g, r in sides if g and r)
    circulating = graph.in_circulation(network.digraph)
    return Reciprocity(
        gave_and_received=both,
        gave_only=sum(1 for g, r in sides if g and not r),
        received_only=sum(1 for g, r in sides if r and not g),
        gave_and_received_share=graph.share(both, people.active),
        median_give_receive_ratio=graph.median_ratio(people.given, people.received),
        pairs=network.pairs,
        mutual_pairs=network.mutual,
        mutual_pair_share=graph.share(network.mutual, network.pairs),
        in_circulation=circulating,
        in_circulation_share=graph.share(circulating, people.active),
    )


def _ties(people: _People, network: _Network, count: int) -> Ties:
    partner_counts = graph.partners(network.digraph)
    groups, largest = graph.components(network.digraph)
    bridging = network.bridging
    return Ties(
        median_partners=graph.median_or_none(partner_counts.values()),
        partner_distribution=graph.partner_distribution(partner_counts.values()),
        new_ties=network.new_ties,
        new_tie_rate=graph.share(network.new_ties, count),
        density=graph.density(network.digraph, network.pairs),
        components=groups,
        largest_component=largest,
        largest_component_share=graph.share(largest, people.active),
        bridging_exchanges=bridging,
        bridging_share=graph.share(bridging, count) if bridging is not None else None,
    )


def _concentration(community_id: int, period: Period, people: _People) -> Concentration:
    beyond = queries.balances_beyond(community_id, period.end, BALANCE_THRESHOLD_MINUTES)
    return Concentration(
        top20_share=graph.top_share(people.given.values()),
        gini_given=graph.gini(people.given.values()),
        threshold_minutes=BALANCE_THRESHOLD_MINUTES,
        beyond_threshold=beyond,
        beyond_share=graph.share(beyond, people.population),
    )


def _inclusion(
    community_id: int, period: Period, people: _People, last: dict[int, date]
) -> Inclusion:
    care_minutes, care_recipients = queries.companionship(community_id, period.start, period.end)
    # The care dashboard's rule (issue 19): the agreed interval plus the margin.
    at = min(queries.end_of(period.end), utcnow())
    isolated = isolation.isolated_count(community_id, at)
    last_days = [last.get(row.account_id) if row.account_id else None for row in people.members]
    return Inclusion(
        companionship_minutes=care_minutes,
        companionship_recipients=care_recipients,
        isolated_days=isolation.margin_days(),  # the margin beyond the agreed interval
        isolated=isolated,
        no_exchange_60=sum(_quiet(day, period.end, 60) for day in last_days),
        no_exchange_90=sum(_quiet(day, period.end, 90) for day in last_days),
    )


def _coproduction(community_id: int, period: Period, people: _People) -> CoProduction:
    proxies, group_givers = queries.shapers(community_id, period.start, period.end)
    users = {row.account_id: row.user_id for row in people.members if row.account_id}
    roles = {row.account_id: row.role for row in people.members if row.account_id}
    levels = dict.fromkeys(LEVELS, 0)
    for account in people.listed | set(people.sides):
        g, r = people.sides.get(account, (0, 0))
        shapes = (
            roles.get(account) in SHAPING_ROLES
            or users.get(account) in proxies
            or account in group_givers
        )
        levels[level_of(gave=bool(g), received=bool(r), shapes=shapes)] += 1
    # Members without an account yet: coordinators still shape the service.
    for row in people.members:
        if row.account_id is None:
            levels["transformation" if row.role in SHAPING_ROLES else "not_active"] += 1
    return CoProduction(**levels)


def _pot(flows: dict[str, int]) -> PotFlows:
    return PotFlows(
        donated_minutes=flows.get("donation", 0),
        granted_minutes=flows.get("grant", 0),
        settled_minutes=flows.get("settlement", 0),
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


def _quiet(last_day: date | None, end: date, days: int) -> bool:
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
