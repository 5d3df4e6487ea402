"""API v1 members, for coordinators holding the ``coordinate`` scope (as the console's
member pages): the list by status, one member, registering someone without internet,
and suspending or reactivating a member."""

from __future__ import annotations

from timebank.api import bp
from timebank.api import schemas_more as schemas
from timebank.api.tokens import caller, community_of_caller, scope_required
from timebank.api.writes import create_once, write
from timebank.models import Community, Membership
from timebank.services.community import dashboard, lifecycle, memberships
from timebank.services.exchanges import lookups
from timebank.web import scoped_or_404


def _out(membership: Membership, balance: int | None) -> dict:
    return {
        "id": membership.id, "member_number": membership.member_number,
        "display_name": membership.user.display_name, "role": membership.role.value,
        "status": membership.status.value, "has_email": bool(membership.user.email),
        "balance_minutes": balance, "joined_at": membership.decided_at,
    }  # fmt: skip


def _one(membership: Membership) -> dict:
    account = lookups.account_of(membership)
    return _out(membership, account.balance if account is not None else None)


def _member(community: Community, membership_id: int) -> Membership:
    return scoped_or_404(Membership, community, membership_id)


@bp.route("/communities/<slug>/members")
@scope_required("coordinate")
@bp.arguments(schemas.MemberArgs, location="query")
@bp.response(200, schemas.MemberPageOut)
def member_list(args: dict, slug: str):
    """The community's members with a status (`active` unless asked), by member number."""
    community, _ = community_of_caller(slug, coordinate=True)
    page = dashboard.member_page(community, dashboard.MemberQuery(status=args["status"]),
                                 page=args.get("cursor", 1), per_page=args["limit"])  # fmt: skip
    items = [_out(membership, balance) for membership, balance in page.items]
    following = page.next_num if page.has_next and page.items else None
    return {"items": items, "total": page.total, "next": following}


@bp.route("/communities/<slug>/members/<int:membership_id>")
@scope_required("coordinate")
@bp.response(200, schemas.MemberOut)
def member_show(slug: str, membership_id: int):
    """One member of the community."""
    community, _ = community_of_caller(slug, coordinate=True)
    return _one(_member(community, membership_id))


@bp.route("/communities/<slug>/members", methods=["POST"])
@scope_required("coordinate")
@bp.arguments(schemas.MemberIn)
@bp.response(201, schemas.MemberOut)
def member_create(data: dict, slug: str):
    """Register someone at the office: an active member at once, e-mail optional."""
    community, _ = community_of_caller(slug, coordinate=True)
    membership = create_once(
        "membership.create",
        lambda: memberships.create_member(community, actor=caller(), **data),
        community_id=community.id,
        load=lambda membership_id: _member(community, membership_id),
    )
    return _one(membership)


@bp.route("/communities/<slug>/members/<int:membership_id>/suspend", methods=["POST"])
@scope_required("coordinate")
@bp.response(200, schemas.MemberOut)
def member_suspend(slug: str, membership_id: int):
    """Suspend an active member: their listings pause and their sessions end."""
    community, _ = community_of_caller(slug, coordinate=True)
    membership = _member(community, membership_id)
    write("membership.suspend", lambda _key: lifecycle.suspend(membership, actor=caller()),
          community_id=community.id, keyed=False)  # fmt: skip
    return _one(membership)


@bp.route("/communities/<slug>/members/<int:membership_id>/reactivate", methods=["POST"])
@scope_required("coordinate")
@bp.response(200, schemas.MemberOut)
def member_reactivate(slug: str, membership_id: int):
    """Lift a suspension."""
    community, _ = community_of_caller(slug, coordinate=True)
    membership = _member(community, membership_id)
    write("membership.reactivate", lambda _key: lifecycle.reactivate(membership, actor=caller()),
          community_id=community.id, keyed=False)  # fmt: skip
    return _one(membership)
