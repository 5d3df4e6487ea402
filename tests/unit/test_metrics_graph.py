"""The metrics' own graph (``services/metrics/graph.py``, dicts of sets) gives the same
measures as networkx on random graphs of every shape: sparse, dense, with cycles of every
length, isolated pairs, both directions (issue 15: the figures must not change)."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from timebank.services.metrics import graph


def _reference(edges: list[tuple[int, int]]) -> tuple:
    g = nx.DiGraph()
    g.add_edges_from(edges)
    undirected_pairs = {frozenset(e) for e in edges}
    mutual = sum(1 for a, b in g.edges if a < b and g.has_edge(b, a))
    circulating = sum(len(c) for c in nx.strongly_connected_components(g) if len(c) >= 3)
    partners = {n: len(set(g.successors(n)) | set(g.predecessors(n))) for n in g}
    parts = list(nx.weakly_connected_components(g))
    components = (len(parts), max(len(p) for p in parts)) if parts else (0, 0)
    density = nx.density(g.to_undirected()) if g.number_of_nodes() > 1 else None
    return len(undirected_pairs), mutual, circulating, partners, components, density


@pytest.mark.parametrize("seed", range(40))
def test_the_measures_equal_networkx(seed):
    rng = random.Random(seed)
    nodes = rng.choice((2, 5, 30, 300))
    count = rng.randrange(0, nodes * rng.choice((1, 3, 10)))
    edges = sorted(
        {(a, b) for a, b in ((rng.randrange(nodes), rng.randrange(nodes)) for _ in range(count))
         if a != b}
    )  # fmt: skip
    rng.shuffle(edges)
    built = graph.build(edges)
    pairs, mutual = graph.mutual_pairs(built)
    mine = (
        pairs,
        mutual,
        graph.in_circulation(built),
        graph.partners(built),
        graph.components(built),
        graph.density(built, pairs),
    )
    expected = _reference(edges)
    assert mine[:5] == expected[:5]
    assert mine[5] == pytest.approx(expected[5]) if expected[5] is not None else mine[5] is None


def test_a_long_cycle_is_one_group_without_recursion():
    n = 50_000
    edges = [(i, (i + 1) % n) for i in range(n)]
    assert graph.in_circulation(graph.build(edges)) == n
    assert graph.components(graph.build(edges)) == (1, n)
