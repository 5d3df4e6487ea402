"""API v1 community figures and activity reports, JSON only: the same figures, periods
and audiences as the web's metrics page (coordinators with the ``coordinate`` scope see
every figure; members, where the community shows its figures to members, the reduced
set), and the activity report as its JSON download (coordinators; audited)."""

from __future__ import annotations

import json

from flask import abort
from flask_babel import get_locale

from timebank.api import bp
from timebank.api import schemas_care as schemas
from timebank.api.schemas import hours
from timebank.api.tokens import caller, community_of_caller, scope_required, token
from timebank.database import transaction
from timebank.models import Community, utcnow
from timebank.services import permissions
from timebank.services.metrics import api as metrics
from timebank.services.metrics import definitions, lookups, periods
from timebank.services.metrics.periods import Period
from timebank.services.metrics.results import Summary
from timebank.services.reports import files as reports

LEVELS = ("not_active", "compliance", "support", "transformation")


def _period(period: Period) -> dict:
    return {"kind": period.kind, "label": period.label, "start": period.start,
            "end": period.end}  # fmt: skip


def _figures(current: Summary, previous: Summary, *, coordinator: bool) -> list[dict]:
    return [
        {"key": f.key, "group": f.group, "label": str(f.label), "kind": f.kind,
         "value": f.get(current), "previous": f.get(previous)}
        for f in definitions.visible(coordinator=coordinator)
    ]  # fmt: skip


def _board(community: Community, period: Period, *, coordinator: bool) -> dict:
    board = metrics.dashboard(community, period)
    current, previous = board.current, board.previous
    names = lookups.category_names(community.id, str(get_locale()))
    return {
        "audience": "coordinator" if coordinator else "member",
        "period": _period(current.period), "previous_period": _period(previous.period),
        "has_activity": current.has_activity,
        "figures": _figures(current, previous, coordinator=coordinator),
        "levels": [
            {"level": key, "name": str(definitions.LEVEL_NAMES[key]),
             "members": getattr(current.coproduction, key),
             "previous": getattr(previous.coproduction, key)}
            for key in LEVELS
        ],
        "months": [
            {"month": m.month, "exchanges": m.exchanges, "minutes": m.minutes,
             "hours": hours(m.minutes), "active_members": m.active_members}
            for m in current.months
        ],
        "categories": [
            {"key": c.key, "name": names.get(c.key, c.key), "exchanges": c.exchanges,
             "minutes": c.minutes, "hours": hours(c.minutes)}
            for c in current.categories
        ],
        "partners": [
            {"bucket": key, "name": str(definitions.PARTNER_BUCKET_NAMES[key]), "members": n}
            for key, n in current.ties.partner_distribution
        ],
        "neighbourhoods": [
            {"neighbourhood": n.neighbourhood, "members": n.members,
             "active_members": n.active_members, "minutes_given": n.minutes_given,
             "minutes_received": n.minutes_received}
            for n in current.neighbourhoods
        ] if coordinator else [],
    }  # fmt: skip


@bp.route("/communities/<slug>/metrics")
@scope_required("read")
@bp.arguments(schemas.PeriodArgs, location="query")
@bp.response(200, schemas.MetricsOut)
def community_metrics(args: dict, slug: str):
    """The community's figures for a period (this quarter unless `period`, or `start` and
    `end`), with the previous comparable period's: every figure for coordinators holding
    `coordinate`, the members' set where the community shows its figures to members."""
    community, _ = community_of_caller(slug)
    coordinator = "coordinate" in token().scope_set and permissions.can_produce_reports(
        caller(), community
    )
    if not coordinator and not (
        community.members_see_metrics and permissions.is_active_member(caller(), community)
    ):
        abort(403)
    default = periods.quarter_of(utcnow().date())
    period = periods.asked(args.get("period"), args.get("start"), args.get("end"), default)
    return _board(community, period, coordinator=coordinator)


@bp.route("/communities/<slug>/reports/<period>")
@scope_required("coordinate")
@bp.response(200, schemas.ReportOut)
def community_report(slug: str, period: str):
    """The activity report of a period (`2026-Q1`, `2026-03`, `2026` or two dates
    `2026-01-05_2026-02-10`) as its JSON download, labelled in the client's language;
    coordinators only, recorded in the audit trail like every report download."""
    community, _ = community_of_caller(slug, coordinate=True)
    chosen = periods.parse(period)
    locale = "ar" if str(get_locale()) == "ar" else "en"
    file = transaction(
        lambda: reports.produce(community, chosen, "json", locale=locale, actor=caller())
    )
    return json.loads(file.content)
