"""API v1 resources: the holder, their statement and the categories (exchanges,
listings, members, notifications, companionship and metrics have modules of their own).
Like the web routes: load, call one service, answer; the rules, the permission checks and
the audit trail are the services' (the same ones the pages use). Every write takes an
``Idempotency-Key`` header: the same key and body replay the first answer, the same key
with another body is a 409 problem."""

from __future__ import annotations

from flask_babel import get_locale

from timebank.api import bp, schemas
from timebank.api.schemas import hours
from timebank.api.tokens import caller, community_of_caller, scope_required, token
from timebank.services.ledger import entry_feed
from timebank.services.ledger import posting as ledger
from timebank.services.listings import categories


@bp.route("/me")
@bp.response(200, schemas.MeOut)
@scope_required("read")
def me():
    """The token's holder, their communities and balances."""
    user = caller()
    rows = []
    for membership in user.memberships:
        account = ledger.ensure_account(membership) if membership.is_active else None
        rows.append({
            "community": membership.community.slug,
            "community_name": membership.community.name,
            "role": membership.role.value, "status": membership.status.value,
            "member_number": membership.member_number, "membership_id": membership.id,
            "balance_minutes": account.balance if account else 0,
            "balance_hours": hours(account.balance if account else 0),
            "credit_limit_minutes": account.credit_limit if account else 0,
        })  # fmt: skip
    return {
        "id": user.id, "display_name": user.display_name, "locale": user.locale,
        "token_name": token().name, "scopes": sorted(token().scope_set), "memberships": rows,
    }  # fmt: skip


@bp.route("/communities/<slug>/statement")
@bp.arguments(schemas.CursorArgs, location="query")
@bp.response(200, schemas.StatementOut)
@scope_required("read")
def statement(args: dict, slug: str):
    """The caller's ledger entries in this community, newest first, cursor-paged."""
    _, membership = community_of_caller(slug)
    account = ledger.ensure_account(membership)
    lines, following = entry_feed.entries(account.id, before=args.get("cursor"),
                                          limit=args["limit"])  # fmt: skip
    items = [
        {
            "entry_id": line.entry_id, "exchange_id": line.exchange_id, "kind": line.kind,
            "status": line.status, "category": line.category,
            "service_date": line.service_date, "posted_at": line.posted_at,
            "delta_minutes": line.delta, "delta_hours": hours(line.delta),
            "balance_after_minutes": line.balance_after,
        }
        for line in lines
    ]  # fmt: skip
    return {"balance_minutes": account.balance, "balance_hours": hours(account.balance),
            "items": items, "next": following}  # fmt: skip


@bp.route("/communities/<slug>/categories")
@bp.response(200, schemas.CategoryOut(many=True))
@scope_required("read")
def category_list(slug: str):
    """The community's categories, named in the language of ``Accept-Language``."""
    community, _ = community_of_caller(slug)
    arabic = str(get_locale()) == "ar"
    return [
        {"id": c.id, "key": c.key, "name": c.name_ar if arabic else c.name_en,
         "parent_id": c.parent_id}
        for c in categories.tree(community)
    ]  # fmt: skip
