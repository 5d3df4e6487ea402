"""API v1 companionship, for the coordinators (with the ``coordinate`` scope) and the
matched volunteers only: the requests, the matches (arrangements) and logging a visit,
through the companionship services and ``services.permissions`` (a visit is a ledger
exchange: the Idempotency-Key is its key; a concern alerts the coordinators)."""

from __future__ import annotations

from flask import abort, url_for

from timebank.api import bp
from timebank.api import schemas_care as schemas
from timebank.api.tokens import caller, community_of_caller, scope_required, token
from timebank.api.writes import write
from timebank.extensions import db
from timebank.models import (
    Arrangement,
    Community,
    CompanionshipRequest,
    Exchange,
    Membership,
    Visit,
)
from timebank.services import permissions
from timebank.services.companionship import lists, queries
from timebank.services.companionship import requests as companionship


def _as_volunteer(community: Community, membership: Membership) -> Membership | None:
    """None for a coordinator holding the ``coordinate`` scope (every request and match),
    else the caller's membership (their own matches only)."""
    coordinating = "coordinate" in token().scope_set and permissions.can_manage_safeguarding(
        caller(), community
    )
    return None if coordinating else membership


def _request(found: CompanionshipRequest) -> dict:
    return {
        "id": found.id, "kind": found.kind.value, "frequency": found.frequency.value,
        "preferred_times": found.preferred_times, "language": found.language,
        "status": found.status.value, "recipient_id": found.recipient_id,
        "recipient_name": found.recipient.user.display_name, "created_at": found.created_at,
    }  # fmt: skip


def _match(found: Arrangement) -> dict:
    return {
        "id": found.id, "request_id": found.request_id, "kind": found.request.kind.value,
        "status": found.status.value, "volunteer_id": found.volunteer_id,
        "volunteer_name": found.volunteer.user.display_name,
        "recipient_id": found.request.recipient_id,
        "recipient_name": found.request.recipient.user.display_name,
        "visit_weekday": found.visit_weekday, "visit_time": found.visit_time,
        "confirmed_at": found.confirmed_at, "ended_at": found.ended_at,
        "created_at": found.created_at,
        "can_log_visit": permissions.can_log_visit(caller(), found),
    }  # fmt: skip


@bp.route("/communities/<slug>/companionship/requests")
@scope_required("read")
@bp.arguments(schemas.RequestArgs, location="query")
@bp.response(200, schemas.CompanionRequestPageOut)
def companionship_requests(args: dict, slug: str):
    """Companionship requests: every one for coordinators (with `coordinate`), those the
    caller is matched to as a volunteer otherwise; newest first, cursor-paged."""
    community, membership = community_of_caller(slug)
    found, following = lists.requests(
        community, volunteer=_as_volunteer(community, membership), status=args.get("status"),
        before=args.get("cursor"), limit=args["limit"],
    )  # fmt: skip
    return {"items": [_request(item) for item in found], "next": following}


@bp.route("/communities/<slug>/companionship/matches")
@scope_required("read")
@bp.arguments(schemas.MatchArgs, location="query")
@bp.response(200, schemas.MatchPageOut)
def companionship_matches(args: dict, slug: str):
    """Matches of a volunteer with a visited member: every one for coordinators (with
    `coordinate`), the caller's own as a volunteer otherwise; newest first, cursor-paged."""
    community, membership = community_of_caller(slug)
    found, following = lists.arrangements(
        community, volunteer=_as_volunteer(community, membership), status=args.get("status"),
        before=args.get("cursor"), limit=args["limit"],
    )  # fmt: skip
    return {"items": [_match(item) for item in found], "next": following}


@bp.route("/communities/<slug>/companionship/matches/<int:arrangement_id>/visits",
          methods=["POST"])  # fmt: skip
@scope_required("exchanges:write")
@bp.arguments(schemas.VisitIn)
@bp.response(201, schemas.VisitOut)
def companionship_visit(data: dict, slug: str, arrangement_id: int):
    """Log a visit of an active match: by its volunteer (the visited member confirms the
    hours), or by a coordinator with `coordinate` (a coordinator decision). A `concern`
    needs a `concern_note` and alerts every coordinator. Idempotency-Key: the ledger's."""
    community, _ = community_of_caller(slug)
    found = queries.arrangement_for(community, arrangement_id, caller())
    if found is None:
        abort(404)
    if found.volunteer.user_id != caller().id and "coordinate" not in token().scope_set:
        abort(403)  # logging for the volunteer is a coordinator's decision
    visit: Visit = write(
        "companionship.visit",
        lambda key: companionship.log_visit(
            found, actor=caller(), minutes=data["minutes"], service_date=data["service_date"],
            wellbeing=data["wellbeing"], concern_note=data["concern_note"], idempotency_key=key,
            link=url_for("companionship.concerns", slug=community.slug),
        ),
        community_id=community.id,
    )  # fmt: skip
    exchange = db.session.get_one(Exchange, visit.exchange_id)
    return {
        "id": visit.id, "arrangement_id": visit.arrangement_id, "exchange_id": visit.exchange_id,
        "exchange_status": exchange.status.value,
        "wellbeing": visit.wellbeing.value, "concern_raised": visit.alert_raised_at is not None,
        "created_at": visit.created_at,
    }  # fmt: skip
