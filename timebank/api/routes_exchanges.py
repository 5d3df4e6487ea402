"""API v1 exchanges: record, confirm, reject and cancel (the ledger's lifecycle services,
so the consent, limit and approval rules are the web's, refused as problem details),
one exchange with its approval state and every ledger leg, and the lists: the caller's
own, and the whole community's for coordinators, newest first and cursor-paged."""

from __future__ import annotations

from flask import abort

from timebank.api import bp, schemas
from timebank.api import schemas_exchanges as out
from timebank.api.schemas import hours
from timebank.api.tokens import caller, community_of_caller, scope_required, token
from timebank.api.writes import write
from timebank.models import Community, Exchange, Membership
from timebank.services import permissions
from timebank.services.exchanges import feed
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.exchanges import rows as exchange_rows
from timebank.services.exchanges.lookups import account_of
from timebank.web import scoped_or_404

_WAITING = {"recorded": "other_member", "awaiting_approval": "coordinator"}


def _item(row: exchange_rows.ExchangeRow) -> dict:
    return {
        "id": row.id, "kind": row.kind, "status": row.status, "minutes": row.minutes,
        "hours": hours(row.minutes), "service_date": row.service_date, "category": row.category,
        "created_at": row.created_at, "provider_id": row.provider.membership_id,
        "provider_name": row.provider.name, "recipient_id": row.recipient.membership_id,
        "recipient_name": row.recipient.name, "waiting_for": _WAITING.get(row.status),
    }  # fmt: skip


def _sees_balances(community: Community) -> bool:
    return "coordinate" in token().scope_set and permissions.can_act_for_members(
        caller(), community
    )


def _out(community: Community, exchange: Exchange) -> dict:
    """One exchange as its page shows it: parties, approval state, reasons, every leg
    (balances after a leg only on the caller's own, or for coordinators), and what the
    caller may do with it now."""
    detail = exchange_rows.exchange_detail(exchange)
    row = detail.row
    own = permissions.membership_of(caller(), community)
    all_balances = _sees_balances(community)
    actions = exchange_rows.actions_for(caller(), community, exchange, row)
    texts = detail.texts
    legs = [
        {"entry_id": leg.entry_id, "account_id": leg.account_id,
         "membership_id": leg.membership_id, "delta_minutes": leg.delta,
         "delta_hours": hours(leg.delta), "posted_at": leg.posted_at,
         "balance_after_minutes": leg.balance_after
         if all_balances or (own is not None and leg.membership_id == own.id) else None}
        for leg in feed.legs(exchange.id)
    ]  # fmt: skip
    return {
        **_item(row),
        "provider_account_id": row.provider.account_id,
        "recipient_account_id": row.recipient.account_id,
        "recorded_by_id": row.recorded_by_id, "on_behalf_of_id": row.on_behalf_of_id,
        "reverses_exchange_id": row.reverses_exchange_id,
        "reversed_by_id": detail.reversed_by_id, "group_id": row.group_id,
        "description": texts.get("description"),
        "reason": texts.get("rejection") or texts.get("cancellation") or texts.get("reversal"),
        "approval": {
            "waiting_for": _WAITING.get(row.status), "reasons": list(row.approval_reasons),
            "confirmed_by_id": detail.confirmed_by_id, "confirmed_at": detail.confirmed_at,
            "decided_by_id": detail.decided_by_id, "decided_at": detail.decided_at,
        },
        "legs": legs,
        "actions": [name for name in ("confirm", "reject", "cancel")
                    if getattr(actions, name)],
    }  # fmt: skip


def _visible(community: Community, exchange_id: int) -> tuple[Exchange, exchange_rows.ExchangeRow]:
    """The exchange, or 404 for anyone but its parties and the coordinators (as on the web)."""
    exchange = exchanges.get_for(community, exchange_id)
    row = exchange_rows.exchange_row(exchange_id) if exchange is not None else None
    if exchange is None or row is None:
        abort(404)
    if not permissions.can_view_exchange(caller(), community, row.party_user_ids()):
        abort(404)
    return exchange, row


def _filters(args: dict, account_id: int | None = None) -> feed.Filters:
    return feed.Filters(state=args.get("state"), category=args.get("category"),
                        account_id=account_id, date_from=args.get("date_from"),
                        date_to=args.get("date_to"))  # fmt: skip


def _page(rows: list[exchange_rows.ExchangeRow], following: int | None) -> dict:
    return {"items": [_item(row) for row in rows], "next": following}


@bp.route("/communities/<slug>/exchanges")
@scope_required("read")
@bp.arguments(out.ExchangeListArgs, location="query")
@bp.response(200, out.ExchangePageOut)
def exchange_list(args: dict, slug: str):
    """The caller's exchanges in this community (either side, any state unless `state`
    says), newest first, cursor-paged."""
    _, membership = community_of_caller(slug)
    account = account_of(membership)
    if account is None:
        return _page([], None)
    rows, following = feed.of_account(account.id, _filters(args), before=args.get("cursor"),
                                      limit=args["limit"])  # fmt: skip
    return _page(rows, following)


@bp.route("/communities/<slug>/exchanges/all")
@scope_required("coordinate")
@bp.arguments(out.CommunityExchangeArgs, location="query")
@bp.response(200, out.ExchangePageOut)
def exchange_list_all(args: dict, slug: str):
    """Every exchange of the community (coordinators): `state`, `category`, `member`
    (a membership id, either side) and service dates; newest first, cursor-paged."""
    community, _ = community_of_caller(slug, coordinate=True)
    account_id = None
    if args.get("member") is not None:
        member = scoped_or_404(Membership, community, args["member"])
        account = account_of(member)
        if account is None:
            return _page([], None)
        account_id = account.id
    rows, following = feed.of_community(community, _filters(args, account_id),
                                        before=args.get("cursor"), limit=args["limit"])  # fmt: skip
    return _page(rows, following)


@bp.route("/communities/<slug>/exchanges/<int:exchange_id>")
@scope_required("read")
@bp.response(200, out.ExchangeOut)
def exchange_show(slug: str, exchange_id: int):
    """One exchange, to its parties and the community's coordinators: its approval state
    and every ledger leg."""
    community, _ = community_of_caller(slug)
    exchange, _row = _visible(community, exchange_id)
    return _out(community, exchange)


@bp.route("/communities/<slug>/exchanges", methods=["POST"])
@scope_required("exchanges:write")
@bp.arguments(schemas.ExchangeIn)
@bp.response(201, out.ExchangeOut)
def exchange_record(data: dict, slug: str):
    """Record an exchange the caller took part in (the same rules as the web form)."""
    community, _ = community_of_caller(slug)
    provider = scoped_or_404(Membership, community, data["provider_id"])
    recipient = scoped_or_404(Membership, community, data["recipient_id"])
    exchange = write(
        "exchange.record",
        lambda key: exchanges.record(
            community, actor=caller(), provider=provider, recipient=recipient,
            minutes=data["minutes"], service_date=data["service_date"],
            category=data["category"], description=data["description"], idempotency_key=key,
        ),
        community_id=community.id,
    )  # fmt: skip
    return _out(community, exchange)


def _decide(community: Community, exchange_id: int, operation: str, decide) -> dict:
    exchange, row = _visible(community, exchange_id)
    if caller().id not in row.party_user_ids() and "coordinate" not in token().scope_set:
        abort(403)  # a coordinator's decision needs the coordinate scope
    decided = write(operation, lambda _key: decide(exchange), community_id=community.id,
                    keyed=False)  # fmt: skip
    return _out(community, decided)


@bp.route("/communities/<slug>/exchanges/<int:exchange_id>/confirm", methods=["POST"])
@scope_required("exchanges:write")
@bp.response(200, out.ExchangeOut)
def exchange_confirm(slug: str, exchange_id: int):
    """Confirm an exchange the other party recorded (as on the exchange page)."""
    community, _ = community_of_caller(slug)
    return _decide(community, exchange_id, "exchange.confirm",
                   lambda exchange: exchanges.confirm(exchange, actor=caller()))  # fmt: skip


@bp.route("/communities/<slug>/exchanges/<int:exchange_id>/reject", methods=["POST"])
@scope_required("exchanges:write")
@bp.arguments(out.RejectIn)
@bp.response(200, out.ExchangeOut)
def exchange_reject(data: dict, slug: str, exchange_id: int):
    """Reject with a reason: the other party while it waits for them, or a coordinator
    who is not a party (with the `coordinate` scope) while it is pending."""
    community, _ = community_of_caller(slug)
    return _decide(
        community, exchange_id, "exchange.reject",
        lambda exchange: exchanges.reject(exchange, actor=caller(), reason=data["reason"]),
    )  # fmt: skip


@bp.route("/communities/<slug>/exchanges/<int:exchange_id>/cancel", methods=["POST"])
@scope_required("exchanges:write")
@bp.arguments(out.CancelIn)
@bp.response(200, out.ExchangeOut)
def exchange_cancel(data: dict, slug: str, exchange_id: int):
    """Withdraw a pending exchange the caller recorded, with an optional reason."""
    community, _ = community_of_caller(slug)
    return _decide(
        community, exchange_id, "exchange.cancel",
        lambda exchange: exchanges.cancel(exchange, actor=caller(), reason=data["reason"]),
    )  # fmt: skip
