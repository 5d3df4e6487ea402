"""Graph and distribution measures over a period's exchanges, pure (no database).

The graph: one node per member account active in the period, one directed edge
provider → recipient for each pair that exchanged (however many times). Pot movements,
reversals and reversed exchanges never reach here (see ``queries.counted``)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from statistics import median

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


class Graph:
    """A directed graph as two dicts of sets (successors and predecessors of each node):
    what the measures below need, built in about half the time of a networkx ``DiGraph``
    with its attribute dictionaries (issue 15). The measures equal networkx's
    (``tests/unit/test_metrics_graph.py`` compares them on random graphs)."""

    __slots__ = ("pred", "succ")

    def __init__(self) -> None:
        self.succ: dict[int, set[int]] = {}
        self.pred: dict[int, set[int]] = {}

    def number_of_nodes(self) -> int:
        return len(self.succ)

    def number_of_edges(self) -> int:
        return sum(len(targets) for targets in self.succ.values())


def build(edges: Iterable[tuple[int, int]]) -> Graph:
    """The period's graph from its distinct provider → recipient pairs (one edge per pair,
    however many exchanges it carried)."""
    graph = Graph()
    succ, pred = graph.succ, graph.pred
    for source, target in edges:
        if source not in succ:
            succ[source], pred[source] = set(), set()
        if target not in succ:
            succ[target], pred[target] = set(), set()
        succ[source].add(target)
        pred[target].add(source)
    return graph


def mutual_pairs(graph: Graph) -> tuple[int, int]:
    """(unordered pairs that exchanged, pairs with exchanges in both directions). Each
    mutual pair is a node's successor that is also its predecessor, seen from both ends."""
    pred = graph.pred
    mutual = sum(len(targets & pred[node]) for node, targets in graph.succ.items()) // 2
    return graph.number_of_edges() - mutual, mutual


def in_circulation(graph: Graph) -> int:
    """Members in a strongly connected group of three or more: hours they give can come
    back to them through others (indirect, generalised reciprocity)."""
    return sum(size for size in _strong_component_sizes(graph.succ) if size >= 3)


def _strong_component_sizes(succ: dict[int, set[int]]) -> list[int]:
    """Tarjan's algorithm without recursion: the size of each strongly connected part."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    sizes: list[int] = []
    counter = 0
    for root in succ:
        if root in index:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(succ[root]))]
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(succ[target])))
                    break
                if target in on_stack and index[target] < low[node]:
                    low[node] = index[target]
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    if low[node] < low[parent]:
                        low[parent] = low[node]
                if low[node] == index[node]:
                    size = 0
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        size += 1
                        if member == node:
                            break
                    sizes.append(size)
    return sizes


def partners(graph: Graph) -> dict[int, int]:
    """Distinct exchange partners of each member, in either direction."""
    pred = graph.pred
    return {node: len(targets | pred[node]) for node, targets in graph.succ.items()}


def partner_distribution(counts: Iterable[int]) -> tuple[tuple[str, int], ...]:
    values = list(counts)
    return tuple(
        (label, sum(1 for c in values if low <= c <= high)) for label, low, high in PARTNER_BUCKETS
    )


def density(graph: Graph, pairs: int) -> float | None:
    """Pairs that exchanged ÷ pairs that could have, among the period's active members
    (``nx.density`` of the undirected graph)."""
    n = graph.number_of_nodes()
    if n < 2:
        return None
    return pairs / (n * (n - 1) / 2)


def components(graph: Graph) -> tuple[int, int]:
    """(connected groups, size of the largest), direction ignored."""
    succ, pred = graph.succ, graph.pred
    seen: set[int] = set()
    count = largest = 0
    for start in succ:
        if start in seen:
            continue
        seen.add(start)
        frontier, size = [start], 0
        while frontier:
            node = frontier.pop()
            size += 1
            for others in (succ[node], pred[node]):
                fresh = others - seen
                seen |= fresh
                frontier.extend(fresh)
        count += 1
        largest = max(largest, size)
    return count, largest


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
