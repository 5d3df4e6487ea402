"""The figures, as frozen dataclasses shared by the dashboard, the participation page, the
reports and the command line: each figure is computed once, in ``compute``, and only read
elsewhere. Minutes are integers; shares are fractions in 0..1, or ``None`` when the
denominator is zero (a period with no activity shows "no data", never a division error)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from timebank.services.metrics.periods import Period


@dataclass(frozen=True)
class Participation:
    members: int
    active_members: int
    active_rate: float | None
    exchanges: int
    minutes: int
    minutes_per_active: float | None
    new_members: int
    departed_members: int
    median_days_to_first_exchange: float | None


@dataclass(frozen=True)
class Reciprocity:
    gave_and_received: int
    gave_only: int
    received_only: int
    gave_and_received_share: float | None
    median_give_receive_ratio: float | None
    pairs: int
    mutual_pairs: int
    mutual_pair_share: float | None
    in_circulation: int
    in_circulation_share: float | None


@dataclass(frozen=True)
class Ties:
    median_partners: float | None
    partner_distribution: tuple[tuple[str, int], ...]
    new_ties: int
    new_tie_rate: float | None
    density: float | None
    components: int
    largest_component: int
    largest_component_share: float | None
    bridging_exchanges: int | None  # None: neighbourhoods are not recorded
    bridging_share: float | None


@dataclass(frozen=True)
class Concentration:
    top20_share: float | None
    gini_given: float | None
    threshold_minutes: int
    beyond_threshold: int
    beyond_share: float | None


@dataclass(frozen=True)
class Inclusion:
    companionship_minutes: int
    companionship_recipients: int
    isolated_days: int
    isolated: int
    no_exchange_60: int
    no_exchange_90: int


@dataclass(frozen=True)
class CoProduction:
    not_active: int
    compliance: int
    support: int
    transformation: int

    @property
    def total(self) -> int:
        return self.not_active + self.compliance + self.support + self.transformation


@dataclass(frozen=True)
class PotFlows:
    donated_minutes: int
    granted_minutes: int
    settled_minutes: int


@dataclass(frozen=True)
class MonthRow:
    month: str  # YYYY-MM
    exchanges: int
    minutes: int
    active_members: int


@dataclass(frozen=True)
class CategoryRow:
    key: str
    exchanges: int
    minutes: int


@dataclass(frozen=True)
class NeighbourhoodRow:
    neighbourhood: str  # "" when a member has not said
    members: int
    active_members: int
    minutes_given: int
    minutes_received: int


@dataclass(frozen=True)
class Reconciliation:
    """The same period read from the ledger's entries (DESIGN.md promise 14)."""

    posted_exchanges: int  # every posting in the period, reversals and pot movements included
    entries: int
    entry_delta_sum: int  # always 0 in a consistent ledger
    credited_minutes: int  # credits of member-to-member exchanges still standing
    reversed_exchanges: int  # dated in the period and later cancelled out by a reversal
    reversed_minutes: int


@dataclass(frozen=True)
class Summary:
    period: Period
    participation: Participation
    reciprocity: Reciprocity
    ties: Ties
    concentration: Concentration
    inclusion: Inclusion
    coproduction: CoProduction
    pot: PotFlows
    months: tuple[MonthRow, ...]
    categories: tuple[CategoryRow, ...]
    neighbourhoods: tuple[NeighbourhoodRow, ...]
    reconciliation: Reconciliation

    @property
    def has_activity(self) -> bool:
        return self.participation.exchanges > 0

    def as_dict(self) -> dict:
        data = asdict(self)
        data["period"] = {
            "kind": self.period.kind,
            "label": self.period.label,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
        }
        return data


@dataclass(frozen=True)
class Dashboard:
    community_id: int
    current: Summary
    previous: Summary


@dataclass(frozen=True)
class MemberMonth:
    month: str
    minutes_given: int
    minutes_received: int


@dataclass(frozen=True)
class MemberParticipation:
    """One member's own figures for a period (the "my participation" page)."""

    period: Period
    minutes_given: int
    minutes_received: int
    exchanges: int
    people_helped: int
    helped_by: int
    categories: tuple[CategoryRow, ...]
    months: tuple[MemberMonth, ...]
    level: str  # not_active | compliance | support | transformation
    balance: int
