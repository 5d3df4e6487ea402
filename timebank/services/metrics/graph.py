"""Graph and distribution measures over a period's exchanges, pure (no database).

The graph: one node per member account active in the period, one directed edge
provider → recipient for each pair that exchanged (however many times). Pot movements,
reversals and reversed exchanges never reach here (see ``queries.counted``)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from statistics import median
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

# Buckets of the distinct-partners distribution (labels are stable keys, translated on
# display).
PARTNER_BUCKETS: tuple[tuple[str, int, float], ...] = (
    ("1", 1, 1),
    ("2", 2, 2),
    ("3-5", 3, 5),
    ("6-10", 6, 10),
    ("11+", 11, math.inf),
)


def share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def build(edges: Iterable[tuple[int, int]]) -> nx.DiGraph:
    """The period's graph from its distinct provider → recipient pairs (one edge per pair,
    however many exchanges it carried). networkx is imported here, on first use: the
    command line and most pages never need it."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_edges_from(edges)
    return graph


def mutual_pairs(graph: nx.DiGraph) -> tuple[int, int]:
    """(unordered pairs that exchanged, pairs with exchanges in both directions). Each
    mutual pair is a node's successor that is also its predecessor, seen from both ends:
    set intersections per node rather than a lookup per edge."""
    succ, pred = graph._succ, graph._pred  # plain dicts: C-speed set operations on keys
    mutual = sum(len(succ[node].keys() & pred[node].keys()) for node in graph) // 2
    return graph.number_of_edges() - mutual, mutual


def in_circulation(graph: nx.DiGraph) -> int:
    """Members in a strongly connected group of three or more: hours they give can come
    back to them through others (indirect, generalised reciprocity)."""
    import networkx as nx

    return sum(len(c) for c in nx.strongly_connected_components(graph) if len(c) >= 3)


def partners(graph: nx.DiGraph) -> dict[int, int]:
    """Distinct exchange partners of each member, in either direction."""
    succ, pred = graph._succ, graph._pred  # plain dicts: C-speed set operations on keys
    return {node: len(succ[node].keys() | pred[node].keys()) for node in graph}


def partner_distribution(counts: Iterable[int]) -> tuple[tuple[str, int], ...]:
    values = list(counts)
    return tuple(
        (label, sum(1 for c in values if low <= c <= high)) for label, low, high in PARTNER_BUCKETS
    )


def density(graph: nx.DiGraph, pairs: int) -> float | None:
    """Pairs that exchanged ÷ pairs that could have, among the period's active members
    (``nx.density`` of the undirected graph, without copying it)."""
    n = graph.number_of_nodes()
    if n < 2:
        return None
    return pairs / (n * (n - 1) / 2)


def components(graph: nx.DiGraph) -> tuple[int, int]:
    """(connected groups, size of the largest), direction ignored."""
    import networkx as nx

    if graph.number_of_nodes() == 0:
        return 0, 0
    parts = list(nx.weakly_connected_components(graph))
    return len(parts), max(len(p) for p in parts)


def top_share(values: Iterable[int], fraction: float = 0.2) -> float | None:
    """Share of the total given by the top ``fraction`` of members (at least one member)."""
    ordered = sorted(values, reverse=True)
    total = sum(ordered)
    if not ordered or not total:
        return None
    k = max(1, math.ceil(fraction * len(ordered)))
    return sum(ordered[:k]) / total


def gini(values: Iterable[int]) -> float | None:
    """Gini coefficient (0 = everyone gave the same, → 1 = one member gave everything)."""
    ordered = sorted(values)
    n, total = len(ordered), sum(ordered)
    if n == 0 or total == 0:
        return None
    weighted = sum((i + 1) * x for i, x in enumerate(ordered))
    return (2 * weighted) / (n * total) - (n + 1) / n


def median_or_none(values: Iterable[float]) -> float | None:
    values = list(values)
    return float(median(values)) if values else None


def median_ratio(given: Mapping[int, int], received: Mapping[int, int]) -> float | None:
    """Median of hours given ÷ hours received, over active members who received."""
    ratios = [given.get(a, 0) / m for a, m in received.items() if m]
    return median_or_none(ratios)
