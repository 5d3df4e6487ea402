"""Helpers shared by the hour pages: the actor, error placement, loading an exchange the
reader may see, and the record → preview → save flow used by members and coordinators."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from timebank.database import transaction
from timebank.extensions import db
from timebank.models import Community, Exchange, Membership
from timebank.services import permissions
from timebank.services.exceptions import DomainError
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.exchanges import lookups
from timebank.services.exchanges import rows as exchange_rows
from timebank.services.messaging import mail
from timebank.web import actor, place_error


def visible_exchange(
    community: Community, exchange_id: int
) -> tuple[Exchange, exchange_rows.ExchangeRow]:
    """The exchange and its row, or 404 for anyone but its parties and coordinators."""
    exchange = exchanges.get_for(community, exchange_id)
    row = exchange_rows.exchange_row(exchange_id) if exchange is not None else None
    if row is None or not permissions.can_view_exchange(actor(), community, row.party_user_ids()):
        abort(404)
    return exchange, row


def detail_url(community: Community, exchange_id: int) -> str:
    return url_for("exchanges.detail", slug=community.slug, exchange_id=exchange_id)


def saved_message(exchange: Exchange) -> str:
    status = exchange.status.value
    if status == "recorded":
        return _("Saved. The other member will be asked to confirm it.")
    if status == "awaiting_approval":
        return _("Saved. It now waits for a coordinator's approval.")
    return _("Saved and added to the balances.")


def _membership(choice: lookups.MemberChoice | None) -> Membership | None:
    return db.session.get(Membership, choice.membership_id) if choice else None


def resolve_member(form, community: Community) -> Membership | None:
    """The member typed in ``form.member`` (number or name); several matches are offered
    as choices (``form.matches``) and ``form.pick`` picks one of them."""
    form.matches = []
    found = lookups.find_members(community, form.member.data or "")
    if not found:
        form.member.errors.append(
            _("No member of this community matches. Check the number or the name.")
        )
        return None
    if len(found) == 1:
        return _membership(found[0])
    picked = lookups.member_number(form.pick.data)
    for choice in found:
        if picked is not None and choice.number == picked:
            return _membership(choice)
    form.matches = found
    form.member.errors.append(_("Several members match. Choose one below."))
    return None


def resolve_number(field, community: Community) -> Membership | None:
    if field.data is None:
        return None
    found = lookups.find_members(community, str(field.data))
    if not found:
        field.errors.append(_("No member of this community has this number."))
        return None
    return _membership(found[0])


def record_flow(community: Community, form, *, behalf: bool):
    """GET: the form. POST: preview (nothing saved), change (back to the form) or save."""
    template = "exchanges/record.html"
    if request.method == "GET" or request.form.get("action") == "change":
        return render_template(template, community=community, form=form, behalf=behalf)
    valid = form.validate_on_submit()
    if behalf:
        provider = resolve_number(form.provider, community)
        recipient = resolve_number(form.recipient, community)
    else:
        me = permissions.membership_of(actor(), community)
        other = resolve_member(form, community)
        gave = form.direction.data == "gave"
        provider, recipient = (me, other) if gave else (other, me)
    minutes = form.parse_minutes(community.max_minutes_per_exchange)
    if not valid or provider is None or recipient is None or minutes is None:
        return render_template(template, community=community, form=form, behalf=behalf), 400
    if request.form.get("action") == "save":
        user = actor()
        try:
            exchange = transaction(
                lambda: exchanges.record(
                    community,
                    actor=user,
                    provider=provider,
                    recipient=recipient,
                    minutes=minutes,
                    service_date=form.service_date.data,
                    category=form.category.data,
                    idempotency_key=form.idempotency_key.data,
                    description=form.description.data or None,
                    on_behalf_of=provider if behalf else None,
                )
            )
        except DomainError as error:
            aliases = (
                {"member": "provider"} if behalf else {"provider": "member", "recipient": "member"}
            )
            place_error(form, error, {"minutes": "duration", **aliases})
            return render_template(template, community=community, form=form, behalf=behalf), 400
        mail.deliver_pending()
        flash(saved_message(exchange), "success")
        return redirect(detail_url(community, exchange.id))
    preview = exchange_rows.preview_exchange(
        community, provider, recipient, minutes, form.category.data, on_behalf=behalf
    )
    carry = [
        (key, value)
        for key, value in request.form.items(multi=True)
        if key not in ("csrf_token", "action", "pick", "member")
    ]
    if not behalf:
        carry.append(("member", f"#{(recipient if provider is me else provider).member_number}"))
    return render_template(
        "exchanges/preview.html",
        community=community,
        form=form,
        behalf=behalf,
        preview=preview,
        provider=provider,
        recipient=recipient,
        me=None if behalf else me,
        carry=carry,
    )


def show_error(form, error: DomainError, **aliases: str) -> None:
    """Transitional (removed once every route uses ``web.run``)."""
    place_error(form, error, aliases)
