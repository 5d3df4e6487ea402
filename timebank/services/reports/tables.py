"""An activity report as a list of tables, built once and written as PDF, XLSX, CSV (one
file per table, zipped) or JSON. Figures come from ``metrics`` only; names from the
membership tables. Deterministic: rows in a fixed order, no "generated at" time, so a
closed period's report is the same every time it is produced."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from timebank.extensions import db
from timebank.models import (
    Account,
    Community,
    Exchange,
    ExchangeKind,
    ExchangeStatus,
    Membership,
    User,
)
from timebank.services.metrics import api as metrics
from timebank.services.metrics import codesign, definitions, formatting, lookups, queries
from timebank.services.metrics.periods import Period
from timebank.services.metrics.results import Summary
from timebank.services.reports.labels import Minutes


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # see ``Column.kind`` below

    # text (translated), user (user data, shown as written), key (internal: files only,
    # never in the PDF), int, number, date, month, minutes, hours (files only: the PDF
    # shows the minutes as a duration), or a group of ``labels.LABELS`` (level, status…).

    @property
    def for_readers(self) -> bool:
        return self.kind not in ("key", "hours")


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)


@dataclass
class Report:
    community: str
    slug: str
    period: Period
    locale: str
    summary: Summary
    previous: Summary
    social_value: tuple[float, str] | None  # (amount, currency): an estimate
    tables: list[Table]

    @property
    def empty(self) -> bool:
        return not self.summary.has_activity

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def _members_table(rows) -> list[list]:
    def day(when) -> str:
        return (when.date() if isinstance(when, datetime) else when).isoformat()

    return [[number, name, day(when)] for number, name, when in rows]


def _admitted(community_id: int, period: Period):
    admitted = func.coalesce(Membership.decided_at, Membership.created_at)
    return db.session.execute(
        select(Membership.member_number, User.display_name, admitted)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.community_id == community_id,
            Membership.member_number.is_not(None),
            admitted >= queries.end_of(period.start - timedelta(days=1)),
            admitted < queries.end_of(period.end),
        )
        .order_by(Membership.member_number)
    ).all()


def exchange_rows(community_id: int, start: date, end: date) -> Iterator[tuple]:
    """The period's counted exchanges, oldest first, streamed (``yield_per``)."""
    pa, ra = aliased(Account), aliased(Account)
    pm, rm = aliased(Membership), aliased(Membership)
    pu, ru = aliased(User), aliased(User)
    statement = (
        select(
            Exchange.id,
            Exchange.service_date,
            pm.member_number,
            pu.display_name,
            rm.member_number,
            ru.display_name,
            Exchange.category,
            Exchange.minutes,
            Exchange.kind,
        )  # fmt: skip
        .join(pa, pa.id == Exchange.provider_account_id)
        .join(pm, pm.id == pa.membership_id)
        .join(pu, pu.id == pm.user_id)
        .join(ra, ra.id == Exchange.recipient_account_id)
        .join(rm, rm.id == ra.membership_id)
        .join(ru, ru.id == rm.user_id)
        .where(queries.counted(community_id, start, end))
        .order_by(Exchange.service_date, Exchange.id)
        .execution_options(yield_per=2000)
    )
    yield from db.session.execute(statement)


def _departed(community_id: int, period: Period):
    member_account = aliased(Account)
    return db.session.execute(
        select(Membership.member_number, User.display_name, func.max(Exchange.service_date))
        .select_from(Exchange)
        .join(
            member_account,
            (member_account.id == Exchange.provider_account_id)
            | (member_account.id == Exchange.recipient_account_id),
        )
        .join(Membership, Membership.id == member_account.membership_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Exchange.community_id == community_id,
            Exchange.kind == ExchangeKind.SETTLEMENT,
            Exchange.status == ExchangeStatus.POSTED,
            Exchange.service_date.between(period.start, period.end),
        )
        .group_by(Membership.member_number, User.display_name)
        .order_by(Membership.member_number)
    ).all()


def build(community: Community, period: Period, locale: str) -> Report:
    """Every table of the report, labelled in the current locale (call inside
    ``force_locale``)."""
    board = metrics.dashboard(community, period)
    summary, previous = board.current, board.previous
    names = lookups.category_names(community.id, locale)
    tables = [
        _figures(summary, previous),
        _months(summary),
        _categories(summary, names),
        _neighbourhoods(summary, lookups.neighbourhood_names(community.id, locale)),
        _companionship(summary),
        _levels(summary),
        *_designed(community, period, locale),
        *_people(community, period),
        _ledger_check(summary),
        _exchanges(community, period, names),
    ]
    return Report(
        community=community.display_name(locale),
        slug=community.slug,
        period=period,
        locale=locale,
        summary=summary,
        previous=previous,
        social_value=_social_value(community, summary),
        tables=tables,
    )


def _figures(summary: Summary, previous: Summary) -> Table:
    """Every figure with its value, the previous period's, its unit and definition."""
    figures = Table("metrics", _("Metrics"), [
        Column("key", _("Key"), "key"), Column("group", _("Group")), Column("metric", _("Metric")),
        Column("value", _("Value"), "number"), Column("previous", _("Previous period"), "number"),
        Column("unit", _("Unit")), Column("definition", _("Definition")),
    ])  # fmt: skip
    units = {"minutes": _("hours"), "share": _("fraction"), "days": _("days")}
    for f in definitions.FIGURES:
        figures.rows.append([
            f.key, str(definitions.GROUPS[f.group]), str(f.label),
            formatting.plain(f.kind, f.get(summary)), formatting.plain(f.kind, f.get(previous)),
            str(units.get(f.kind, "")), str(f.definition),
        ])  # fmt: skip
    return figures


def _months(summary: Summary) -> Table:
    """Exchanges, minutes and active members per month."""
    months = Table("months", _("Hours per month"), [
        Column("month", _("Month"), "month"), Column("exchanges", _("Exchanges"), "int"),
        Column("minutes", _("Time"), "minutes"), Column("hours", _("Hours"), "hours"),
        Column("active_members", _("Active members"), "int"),
    ])  # fmt: skip
    months.rows = [
        [m.month, m.exchanges, m.minutes, round(m.minutes / 60, 2), m.active_members]
        for m in summary.months
    ]
    return months


def _categories(summary: Summary, names: dict[str, str]) -> Table:
    """Exchanges and minutes per category."""
    categories = Table("categories", _("Hours by category"), [
        Column("category", _("Category"), "key"), Column("name", _("Category")),
        Column("exchanges", _("Exchanges"), "int"), Column("minutes", _("Time"), "minutes"),
        Column("hours", _("Hours"), "hours"),
    ])  # fmt: skip
    categories.rows = [
        [c.key, names.get(c.key, c.key), c.exchanges, c.minutes, round(c.minutes / 60, 2)]
        for c in summary.categories
    ]
    return categories


def place_label(key: str, names: dict[str, str]) -> str:
    """A neighbourhood of the figures as the reader reads it: the list's name in their
    language, a member's own words for a place not listed."""
    return names.get(key) or key or _("Not given")


def _neighbourhoods(summary: Summary, names: dict[str, str]) -> Table:
    """Members and minutes per neighbourhood of the community's list."""
    places = Table("neighbourhoods", _("By neighbourhood"), [
        Column("neighbourhood", _("Neighbourhood"), "user"), Column("members", _("Members"), "int"),
        Column("active_members", _("Active members"), "int"),
        Column("minutes_given", _("Time given"), "minutes"),
        Column("minutes_received", _("Time received"), "minutes"),
    ])  # fmt: skip
    places.rows = [
        [place_label(n.neighbourhood, names), n.members, n.active_members, n.minutes_given,
         n.minutes_received]
        for n in summary.neighbourhoods
    ]  # fmt: skip
    return places


def _companionship(summary: Summary) -> Table:
    """Companionship minutes, people reached, possibly isolated."""
    care = Table("companionship", _("Companionship"), [
        Column("measure", _("Measure")), Column("value", _("Value"), "int"),
    ])  # fmt: skip
    care.rows = [
        [_("Time spent in companionship"), Minutes(summary.inclusion.companionship_minutes)],
        [_("People reached by companionship"), summary.inclusion.companionship_recipients],
        [_("Possibly isolated"), summary.inclusion.isolated],
    ]
    return care


def _levels(summary: Summary) -> Table:
    """Members at each co-production level."""
    levels = Table("levels", _("Co-production levels"), [
        Column("level", _("Level"), "key"), Column("name", _("Level")),
        Column("members", _("Members"), "int"), Column("definition", _("Definition")),
    ])  # fmt: skip
    levels.rows = [
        [k, str(definitions.LEVEL_NAMES[k]), getattr(summary.coproduction, k),
         str(definitions.LEVEL_DEFINITIONS[k])]
        for k in ("not_active", "compliance", "support", "transformation")
    ]  # fmt: skip
    return levels


def _designed(community: Community, period: Period, locale: str) -> list[Table]:
    """Services the members designed: the co-design figures, then each service adopted
    from a member's proposal with its proposer and the hours given through it."""
    figures = codesign.compute(community.id, period.start, period.end)
    measures = Table("codesign", _("Services the members designed"), [
        Column("measure", _("Measure")), Column("value", _("Value"), "int"),
    ])  # fmt: skip
    measures.rows = [
        [_("Proposals made"), figures.proposals_made],
        [_("Proposals endorsed"), figures.proposals_endorsed],
        [_("Proposals adopted"), figures.proposals_adopted],
        [_("Members involved in co-design"), figures.members_involved],
        [_("Minutes through member-designed services"), figures.designed_minutes],
    ]
    services = Table("designed_services", _("Adopted services and their hours"), [
        Column("proposal", _("Proposal"), "key"), Column("service", _("Service"), "user"),
        Column("proposer", _("Proposed by"), "user"), Column("adopted", _("Adopted"), "date"),
        Column("form", _("Runs as")), Column("stage", _("Stage")),
        Column("minutes", _("Time"), "minutes"), Column("hours", _("Hours"), "hours"),
    ])  # fmt: skip
    stages = {"adopted": _("Adopted"), "running": _("Running"), "retired": _("Retired")}
    for row in codesign.services(community.id, period.start, period.end):
        services.rows.append([
            row.proposal_id, row.title(locale), row.proposer,
            row.adopted_on.isoformat() if row.adopted_on else None,
            _("Group activity") if row.as_activity else _("Category"),
            stages.get(row.stage, row.stage), row.minutes, round(row.minutes / 60, 2),
        ])  # fmt: skip
    return [measures, services]


def _ledger_check(summary: Summary) -> Table:
    """The reconciliation with the ledger (DESIGN.md promise 14)."""
    recon = summary.reconciliation
    ledger = Table("reconciliation", _("Ledger check"), [
        Column("measure", _("Measure")), Column("value", _("Value"), "int"),
    ])  # fmt: skip
    ledger.rows = [
        [_("Postings dated in the period (all kinds)"), recon.posted_exchanges],
        [_("Ledger entries"), recon.entries],
        [_("Sum of entry amounts (must be 0)"), recon.entry_delta_sum],
        [_("Minutes credited for exchanges between members"), recon.credited_minutes],
        [_("Exchanges later reversed (left out)"), recon.reversed_exchanges],
        [_("Minutes later reversed (left out)"), recon.reversed_minutes],
        [_("Minutes donated to the pot"), summary.pot.donated_minutes],
        [_("Minutes granted from the pot"), summary.pot.granted_minutes],
    ]
    return ledger


def _exchanges(community: Community, period: Period, names: dict[str, str]) -> Table:
    """Every exchange of the period."""
    exchanges = Table("exchanges", _("Exchanges"), [
        Column("id", _("Exchange"), "int"), Column("date", _("Date"), "date"),
        Column("provider_number", _("Giver number"), "int"),
        Column("provider", _("Giver"), "user"),
        Column("recipient_number", _("Receiver number"), "int"),
        Column("recipient", _("Receiver"), "user"), Column("category", _("Category")),
        Column("minutes", _("Time"), "minutes"), Column("hours", _("Hours"), "hours"),
    ])  # fmt: skip
    exchanges.rows = [
        [i, d.isoformat(), pn, p, rn, r, names.get(c, c), m, round(m / 60, 2)]
        for i, d, pn, p, rn, r, c, m, _kind in exchange_rows(community.id, period.start, period.end)
    ]
    return exchanges


def _people(community: Community, period: Period) -> list[Table]:
    """The members who joined and who left in the period."""
    person = [Column("member_number", _("Member number"), "int"), Column("name", _("Name"), "user")]
    joined = Table("new_members", _("New members"), [*person, Column("date", _("Date"), "date")])
    joined.rows = _members_table(_admitted(community.id, period))
    left = Table("departed_members", _("Departed members"),
                 [*person, Column("date", _("Date"), "date")])  # fmt: skip
    left.rows = _members_table(_departed(community.id, period))
    return [joined, left]


def _social_value(community: Community, summary: Summary) -> tuple[float, str] | None:
    """The hours given at the community's value per hour, when it set one."""
    value = None
    if community.value_per_hour_cents is not None:
        amount = round(summary.participation.minutes / 60 * community.value_per_hour_cents / 100, 2)
        value = (amount, community.value_currency or "")
    return value
