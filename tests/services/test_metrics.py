"""Each metric on the hand-built town of ``metrics_data`` (answers worked out by hand)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.services.metrics_data import build_town
from timebank.services.metrics import api as metrics
from timebank.services.metrics import graph, periods

Q1 = periods.parse("2026-Q1")


@pytest.fixture
def town(app):
    return build_town()


@pytest.fixture
def q1(town):
    return metrics.summary(town.community, Q1)


def test_participation(q1):
    """Members at the end, active members, exchanges and hours; the reversal pair and the
    donation are left out."""
    p = q1.participation
    assert (p.members, p.active_members, p.exchanges) == (9, 6, 6)
    assert p.minutes == 60 + 120 + 60 + 180 + 60 + 30
    assert p.active_rate == pytest.approx(6 / 9)
    assert p.minutes_per_active == pytest.approx(510 / 6)
    assert p.new_members == 0 and p.median_days_to_first_exchange is None


def test_reciprocity(q1):
    """A, B, C, D gave and received, E only gave, F only received; only A–B is mutual;
    A→B→C→D→B→A puts four members in circulation."""
    r = q1.reciprocity
    assert (r.gave_and_received, r.gave_only, r.received_only) == (4, 1, 1)
    assert r.gave_and_received_share == pytest.approx(4 / 6)
    # given/received: A 60/120, B 180/120, C 180/60, D 60/180, F 0/30 → median 0.5
    assert r.median_give_receive_ratio == pytest.approx(0.5)
    assert (r.pairs, r.mutual_pairs) == (5, 1)
    assert r.mutual_pair_share == pytest.approx(1 / 5)
    assert r.in_circulation == 4


def test_ties(q1):
    """Partners A1 B3 C2 D2 E1 F1; four of the six exchanges start a new tie (A–B dates from
    December); density 5 of 15 pairs; two components, the largest of four."""
    t = q1.ties
    assert t.median_partners == 1.5
    assert dict(t.partner_distribution) == {"1": 3, "2": 2, "3-5": 1, "6-10": 0, "11+": 0}
    assert t.new_ties == 4 and t.new_tie_rate == pytest.approx(4 / 6)
    assert t.density == pytest.approx(5 / 15)
    assert (t.components, t.largest_component) == (2, 4)
    assert t.largest_component_share == pytest.approx(4 / 6)
    assert t.bridging_exchanges is None  # no neighbourhoods recorded


def test_concentration(q1):
    """Given: 0, 30, 60, 60, 180, 180 — the top 20 % (two members) gave 360 of 510;
    Gini = Σ|xi − xj| / (2 n² mean) = 15/34."""
    c = q1.concentration
    assert c.top20_share == pytest.approx(360 / 510)
    given = [0, 30, 60, 60, 180, 180]
    pairwise = sum(abs(x - y) for x in given for y in given) / (2 * 36 * (510 / 6))
    assert c.gini_given == pytest.approx(pairwise) == pytest.approx(15 / 34)
    assert c.beyond_threshold == 0


def test_inclusion(q1):
    """Companionship: 240 minutes to C and D; with no arrangement there is no agreed
    interval, so nobody is counted as possibly isolated (the care dashboard's rule, see
    test_visit_isolation.py). No exchange in 60 days: K, K2, G and A (last 25 Jan); in 90
    days: K, K2, G."""
    i = q1.inclusion
    assert (i.companionship_minutes, i.companionship_recipients, i.isolated) == (240, 2, 0)
    assert (i.no_exchange_60, i.no_exchange_90) == (4, 3)


def test_coproduction_levels(q1):
    """Coordinators shape the service; givers support; F only received; G did nothing."""
    assert q1.coproduction.__dict__ == {
        "not_active": 1,
        "compliance": 1,
        "support": 5,
        "transformation": 2,
    }


def test_pot_and_reconciliation(q1):
    """The donation is a pot flow; the ledger's entries for the quarter give the same hours,
    with the reversed exchange shown apart."""
    assert q1.pot.donated_minutes == 30
    r = q1.reconciliation
    assert r.credited_minutes == q1.participation.minutes
    assert (r.reversed_exchanges, r.reversed_minutes) == (1, 90)
    assert r.entry_delta_sum == 0
    # six standing exchanges + the reversed original + its reversal + the donation
    assert (r.posted_exchanges, r.entries) == (9, 18)


def test_series_and_categories(q1):
    """Hours and active members per month; hours by category, largest first."""
    assert [(m.month, m.minutes, m.active_members) for m in q1.months] == [
        ("2026-01", 180, 2),
        ("2026-02", 60, 2),
        ("2026-03", 270, 5),
    ]
    assert [(c.key, c.exchanges, c.minutes) for c in q1.categories] == [
        ("companionship", 2, 240),
        ("gardening", 2, 180),
        ("transport", 2, 90),
    ]


def test_previous_period_and_empty_period(town):
    """The dashboard compares with the previous quarter; an empty period has no ratios."""
    board = metrics.dashboard(town.community, Q1)
    assert board.previous.period == periods.parse("2025-Q4")
    assert board.previous.participation.exchanges == 1
    empty = metrics.summary(town.community, periods.parse("2025-Q3"))
    assert not empty.has_activity
    assert empty.participation.active_rate == 0 and empty.participation.minutes_per_active is None
    assert empty.reciprocity.gave_and_received_share is None
    assert empty.ties.density is None and empty.concentration.gini_given is None


def test_member_participation(town):
    """B gave 180 and received 120 in Q1, helped A and C, was helped by A and D."""
    mine = metrics.member(town.b, Q1)
    assert (mine.minutes_given, mine.minutes_received, mine.exchanges) == (180, 120, 4)
    assert (mine.people_helped, mine.helped_by) == (2, 2)
    assert mine.level == "support"
    assert metrics.member(town.f, Q1).level == "compliance"
    assert metrics.member(town.g, Q1).level == "not_active"


def test_gini_and_top_share_edge_cases():
    """Equal giving has Gini 0; one giver among four has Gini 3/4; no giving has none."""
    assert graph.gini([5, 5, 5]) == 0
    assert graph.gini([0, 0, 0, 8]) == pytest.approx(0.75)
    assert graph.gini([]) is None and graph.gini([0, 0]) is None
    assert graph.top_share([10, 0, 0, 0, 0, 0]) == 1


def test_periods():
    """Labels, previous periods and bad ranges."""
    assert periods.parse("2026-03").previous().label == "2026-02"
    assert periods.parse("2026-Q1").previous().label == "2025-Q4"
    assert periods.parse("2026").end == date(2026, 12, 31)
    custom = periods.parse("2026-01-10_2026-01-19")
    assert custom.previous() == periods.custom(date(2025, 12, 31), date(2026, 1, 9))
    assert periods.from_dates(date(2026, 1, 1), date(2026, 3, 31)).label == "2026-Q1"
    for bad in (
        "2026-13",
        "1999",
        "2026-Q5",
        "2026-03-01_2026-01-01",
        "2000-01-01_2030-12-31",
        "nonsense",
        "",
    ):
        with pytest.raises(periods.InvalidInput):
            periods.parse(bad)


def test_balances_at_the_end_of_a_period(town):
    """Balances at a past date come from the entries: at the end of January A −30, B +120,
    C −90 (before the reversal); at the end of March A −150, B, C +120, D −120."""
    from timebank.services.metrics import queries

    community_id = town.community.id
    assert queries.balances_beyond(community_id, date(2026, 1, 31), 60) == 2
    assert queries.balances_beyond(community_id, date(2026, 3, 31), 100) == 4
    assert queries.balances_beyond(community_id, date(2026, 3, 31), 125) == 1


@pytest.mark.parametrize("side", ["before", "after"])
def test_balances_at_the_end_of_a_period_from_either_side(town, monkeypatch, side):
    """The same balances whichever side of the end the entries are summed from."""
    from timebank.services.metrics import queries

    monkeypatch.setattr(queries, "_smaller_side", lambda cut, session: side)
    community_id = town.community.id
    assert queries.balances_beyond(community_id, date(2026, 1, 31), 60) == 2
    assert queries.balances_beyond(community_id, date(2026, 3, 31), 100) == 4
    assert queries.balances_beyond(community_id, date(2026, 3, 31), 125) == 1


@pytest.mark.parametrize("side", ["before", "after"])
def test_member_list_balances_at_the_end_of_a_period(town, monkeypatch, side):
    """The member list's balance at the end of a period is the sum of the member's entries
    made before it, read from either side: end of January (before the reversal) A −30,
    B +120, C −90; end of March (after the reversal and the donation) A −150, B +120,
    C +120, D −120, E +30, F −30; nobody else has moved."""
    from timebank.services.metrics import queries
    from timebank.services.reports import exports

    monkeypatch.setattr(queries, "_smaller_side", lambda cut, session: side)
    number = {key: getattr(town, key).member_number for key in ("k", "k2", *"abcdefg")}

    def balances(label: str) -> dict[str, int]:
        rows = exports.member_rows(town.community.id, periods.parse(label))
        by_number = {row[0]: row[7] for row in rows}
        return {key: by_number[n] for key, n in number.items() if by_number[n]}

    assert balances("2026-01") == {"a": -30, "b": 120, "c": -90}
    assert balances("2026-Q1") == {"a": -150, "b": 120, "c": 120, "d": -120, "e": 30, "f": -30}
    assert balances("2025-Q3") == {}


def test_neighbourhoods_and_bridging(town):
    """A and B live in Old Town, C and D in the Harbour, the others have not said: B→C and
    D→B cross neighbourhoods, two of six exchanges."""
    from sqlalchemy import select

    from timebank.extensions import db
    from timebank.models import Profile

    for membership, place in ((town.a, "Old Town"), (town.b, "Old Town"), (town.c, "Harbour"),
                              (town.d, " Harbour ")):  # fmt: skip
        profile = db.session.scalar(select(Profile).where(Profile.membership_id == membership.id))
        if profile is None:
            profile = Profile(membership_id=membership.id)
            db.session.add(profile)
        profile.neighbourhood = place
    db.session.commit()
    q1 = metrics.summary(town.community, Q1)
    assert q1.ties.bridging_exchanges == 2
    assert q1.ties.bridging_share == pytest.approx(2 / 6)
    rows = [(n.neighbourhood, n.members, n.active_members, n.minutes_given, n.minutes_received)
            for n in q1.neighbourhoods]  # fmt: skip
    assert rows == [("Harbour", 2, 2, 240, 240), ("Old Town", 2, 2, 240, 240),
                    ("", 5, 2, 30, 30)]  # fmt: skip
