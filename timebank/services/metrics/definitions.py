"""Each figure with its name and the definition shown next to it (what is counted), in one
catalogue read by the dashboard, the reports and the command line. Sources: Collom (2012)
for participation, Harvey et al. (2020) and Panther (2012) for reciprocity and ties,
Shih et al. (2015) for concentration; see ``shared/research/features.md`` (d)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from timebank.services.metrics.results import Summary

COUNTED = _l(
    "Counted: exchanges between members that are posted and dated in the period. A "
    "reversed exchange and its reversal cancel out and are both left out; donations to and "
    "grants from the community pot are not exchanges between members."
)


@dataclass(frozen=True)
class Figure:
    key: str
    group: str
    label: object  # lazy string
    definition: object  # lazy string
    kind: str  # count | share | minutes | ratio | days | partners
    get: Callable[[Summary], float | int | None]
    members_see: bool = True  # shown on the members' reduced dashboard


GROUPS = {
    "participation": _l("Participation"),
    "reciprocity": _l("Reciprocity"),
    "ties": _l("Ties and reach"),
    "concentration": _l("Concentration and balance"),
    "inclusion": _l("Inclusion and care"),
}

FIGURES: tuple[Figure, ...] = (
    Figure(
        "members",
        "participation",
        _l("Members"),
        _l("Admitted members (active or suspended) at the end of the period."),
        "count",
        lambda s: s.participation.members,
    ),
    Figure(
        "active_members",
        "participation",
        _l("Active members"),
        _l("Members with at least one exchange in the period, as giver or receiver."),
        "count",
        lambda s: s.participation.active_members,
    ),
    Figure(
        "active_rate",
        "participation",
        _l("Active rate"),
        _l("Active members ÷ members at the end of the period."),
        "share",
        lambda s: s.participation.active_rate,
    ),
    Figure(
        "exchanges",
        "participation",
        _l("Exchanges"),
        COUNTED,
        "count",
        lambda s: s.participation.exchanges,
    ),
    Figure(
        "minutes",
        "participation",
        _l("Hours exchanged"),
        _l(
            "Sum of the time of the counted exchanges (each hour counted once, on the "
            "giver's side)."
        ),
        "minutes",
        lambda s: s.participation.minutes,
    ),
    Figure(
        "minutes_per_active",
        "participation",
        _l("Hours per active member"),
        _l("Hours exchanged ÷ active members."),
        "minutes",
        lambda s: s.participation.minutes_per_active,
    ),
    Figure(
        "new_members",
        "participation",
        _l("New members"),
        _l("Members admitted during the period."),
        "count",
        lambda s: s.participation.new_members,
    ),
    Figure(
        "departed_members",
        "participation",
        _l("Departed members"),
        _l("Members whose leaving was settled with the community pot in the period."),
        "count",
        lambda s: s.participation.departed_members,
        members_see=False,
    ),
    Figure(
        "days_to_first",
        "participation",
        _l("Days to first exchange"),
        _l(
            "Median days from admission to first exchange, for members admitted in the "
            "period who have exchanged by its end."
        ),
        "days",
        lambda s: s.participation.median_days_to_first_exchange,
    ),
    Figure(
        "gave_and_received_share",
        "reciprocity",
        _l("Gave and received"),
        _l("Share of active members who both gave and received hours in the period."),
        "share",
        lambda s: s.reciprocity.gave_and_received_share,
    ),
    Figure(
        "median_ratio",
        "reciprocity",
        _l("Give/receive ratio (median)"),
        _l(
            "For each active member who received: hours given ÷ hours received; the "
            "median of these."
        ),
        "ratio",
        lambda s: s.reciprocity.median_give_receive_ratio,
    ),
    Figure(
        "mutual_pair_share",
        "reciprocity",
        _l("Pairs helping both ways"),
        _l(
            "Share of pairs of members who exchanged in the period with exchanges in both "
            "directions (direct reciprocity)."
        ),
        "share",
        lambda s: s.reciprocity.mutual_pair_share,
    ),
    Figure(
        "in_circulation",
        "reciprocity",
        _l("Members in circulation"),
        _l(
            "Active members in a group of three or more in which hours given can come back "
            "round to the giver through others (a strongly connected component: indirect "
            "reciprocity)."
        ),
        "count",
        lambda s: s.reciprocity.in_circulation,
    ),
    Figure(
        "median_partners",
        "ties",
        _l("Distinct partners (median)"),
        _l(
            "For each active member, the number of different members they exchanged with "
            "in either direction; the median."
        ),
        "partners",
        lambda s: s.ties.median_partners,
    ),
    Figure(
        "new_tie_rate",
        "ties",
        _l("New-tie rate"),
        _l("Share of the period's exchanges that were the first ever between the two members."),
        "share",
        lambda s: s.ties.new_tie_rate,
    ),
    Figure(
        "density",
        "ties",
        _l("Network density"),
        _l("Pairs of active members who exchanged ÷ all possible pairs of active members."),
        "share",
        lambda s: s.ties.density,
    ),
    Figure(
        "components",
        "ties",
        _l("Separate groups"),
        _l(
            "Groups of active members linked by exchanges, directly or through others "
            "(connected components)."
        ),
        "count",
        lambda s: s.ties.components,
    ),
    Figure(
        "largest_component_share",
        "ties",
        _l("In the largest group"),
        _l("Share of active members in the largest connected group."),
        "share",
        lambda s: s.ties.largest_component_share,
    ),
    Figure(
        "bridging_share",
        "ties",
        _l("Bridging exchanges"),
        _l(
            "Share of exchanges between members of different neighbourhoods (members "
            "who have not given one count as a neighbourhood of their own)."
        ),
        "share",
        lambda s: s.ties.bridging_share,
    ),
    Figure(
        "top20_share",
        "concentration",
        _l("Given by the top 20 %"),
        _l("Share of the hours given that the most active fifth of active members gave."),
        "share",
        lambda s: s.concentration.top20_share,
        members_see=False,
    ),
    Figure(
        "gini_given",
        "concentration",
        _l("Gini of hours given"),
        _l(
            "Inequality of hours given among active members: 0 when everyone gave the same, "
            "close to 1 when one member gave nearly everything."
        ),
        "ratio",
        lambda s: s.concentration.gini_given,
        members_see=False,
    ),
    Figure(
        "beyond_threshold",
        "concentration",
        _l("Balances beyond ±10 hours"),
        _l(
            "Members whose balance at the end of the period, from the ledger's entries, "
            "was more than 10 hours above or below zero."
        ),
        "count",
        lambda s: s.concentration.beyond_threshold,
        members_see=False,
    ),
    Figure(
        "companionship_minutes",
        "inclusion",
        _l("Companionship hours"),
        _l("Hours of counted exchanges in the companionship category."),
        "minutes",
        lambda s: s.inclusion.companionship_minutes,
    ),
    Figure(
        "companionship_recipients",
        "inclusion",
        _l("People reached by companionship"),
        _l("Members who received companionship in the period."),
        "count",
        lambda s: s.inclusion.companionship_recipients,
    ),
    Figure(
        "isolated",
        "inclusion",
        _l("Possibly isolated"),
        _l(
            "Companionship recipients whose arrangement, at the end of the period, had gone "
            "longer without a logged visit (or, before the first, since the match) than the "
            "agreed interval (twice a week 4 days, weekly 7, fortnightly 14, monthly 31) plus "
            "the community's margin: the care dashboard's rule. One-off arrangements are "
            "not counted."
        ),
        "count",
        lambda s: s.inclusion.isolated,
        members_see=False,
    ),
    Figure(
        "no_exchange_60",
        "inclusion",
        _l("No exchange in 60 days"),
        _l("Members with no exchange in the 60 days before the end of the period."),
        "count",
        lambda s: s.inclusion.no_exchange_60,
        members_see=False,
    ),
    Figure(
        "no_exchange_90",
        "inclusion",
        _l("No exchange in 90 days"),
        _l("Members with no exchange in the 90 days before the end of the period."),
        "count",
        lambda s: s.inclusion.no_exchange_90,
        members_see=False,
    ),
)

LEVEL_NAMES = {
    "not_active": _l("Not active in the period"),
    "compliance": _l("Compliance"),
    "support": _l("Support"),
    "transformation": _l("Transformation"),
}
LEVEL_DEFINITIONS = {
    "not_active": _l("No exchange in the period."),
    "compliance": _l("Received help, did not give any in the period."),
    "support": _l("Gave help in the period (most also received)."),
    "transformation": _l(
        "Also shapes the service: a coordinator, someone who recorded exchanges for another "
        "member as their proxy, who gave hours in a group activity, who proposed a service "
        "the time bank adopted in the period, who helps run an adopted one, or who recorded "
        "co-design hours."
    ),
}
LEVEL_NEXT_STEP = {
    "not_active": _l(
        "Your first exchange, giving or receiving an hour, makes you part of the exchange."
    ),
    "compliance": _l(
        "Offering an hour of your own help to anyone in the community would "
        "take you to the support level."
    ),
    "support": _l(
        "Leading a group activity, or helping a neighbour record their hours as "
        "their proxy, would take you to the transformation level."
    ),
    "transformation": _l("You help shape how this time bank works. Thank you."),
}
PARTNER_BUCKET_NAMES = {
    "1": _l("1 partner"),
    "2": _l("2 partners"),
    "3-5": _l("3 to 5 partners"),
    "6-10": _l("6 to 10 partners"),
    "11+": _l("11 or more partners"),
}


def visible(*, coordinator: bool) -> tuple[Figure, ...]:
    return FIGURES if coordinator else tuple(f for f in FIGURES if f.members_see)
