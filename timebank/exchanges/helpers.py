"""Helpers shared by the hour pages (and the co-design board's sessions): loading an
exchange the reader may see, finding the members typed in a form (one, or a group's),
telling a refusal in the page's words, and the record → preview → save flow used by members
and coordinators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from timebank.extensions import db
from timebank.forms import resolve_number
from timebank.models import Community, Exchange, Membership
from timebank.services import permissions
from timebank.services.exceptions import NotAllowed
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.exchanges import lookups
from timebank.services.exchanges import rows as exchange_rows
from timebank.web import actor, run

T = TypeVar("T")
View = str | Response | tuple[str, int]
Member = Membership | None


def visible_exchange(
    community: Community, exchange_id: int
) -> tuple[Exchange, exchange_rows.ExchangeRow]:
    """The exchange and its row, or 404 for anyone but its parties and coordinators."""
    exchange = exchanges.get_for(community, exchange_id)
    row = exchange_rows.exchange_row(exchange_id) if exchange is not None else None
    if exchange is None or row is None:
        abort(404)
    if not permissions.can_view_exchange(actor(), community, row.party_user_ids()):
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


def refusing(work: Callable[[], T], message: str) -> Callable[[], T]:
    """``work``, with its ``NotAllowed`` told as ``message`` (why this page refuses, e.g.
    a coordinator who took part in an exchange)."""

    def guarded() -> T:
        try:
            return work()
        except NotAllowed as error:
            raise NotAllowed(message) from error

    return guarded


def _membership(choice: lookups.MemberChoice | None) -> Membership | None:
    return db.session.get(Membership, choice.membership_id) if choice else None


def resolve_member(form: Any, community: Community) -> Membership | None:
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


def record_flow(community: Community, form: Any, *, behalf: bool) -> View:
    """GET: the form. POST: preview (nothing saved), change (back to the form) or save."""
    if request.method == "GET" or request.form.get("action") == "change":
        return _record_page(community, form, behalf)
    valid = form.validate_on_submit()
    provider, recipient, me = _parties(community, form, behalf)
    minutes = form.parse_minutes(community.max_minutes_per_exchange)
    if not valid or provider is None or recipient is None or minutes is None:
        return _record_page(community, form, behalf), 400
    if request.form.get("action") == "save":
        return _save(community, form, behalf, provider, recipient, minutes)
    return _preview(community, form, me, provider, recipient, minutes)


def _record_page(community: Community, form: Any, behalf: bool) -> str:
    return render_template("exchanges/record.html", community=community, form=form, behalf=behalf)


def _parties(community: Community, form: Any, behalf: bool) -> tuple[Member, Member, Member]:
    """(provider, recipient, me): the two numbers a coordinator typed (``me`` is None), or
    the member and the other member, in the direction they chose."""
    if behalf:
        provider = resolve_number(form.provider, community)
        return provider, resolve_number(form.recipient, community), None
    me = permissions.membership_of(actor(), community)
    other = resolve_member(form, community)
    return (me, other, me) if form.direction.data == "gave" else (other, me, me)


def _save(
    community: Community,
    form: Any,
    behalf: bool,
    provider: Membership,
    recipient: Membership,
    minutes: int,
) -> View:
    """Record the exchange, then its page; the form again (400) if the service refuses."""
    aliases = {"member": "provider"} if behalf else {"provider": "member", "recipient": "member"}
    saved = run(
        lambda: exchanges.record(
            community,
            actor=actor(),
            provider=provider,
            recipient=recipient,
            minutes=minutes,
            service_date=form.service_date.data,
            category=form.category.data,
            idempotency_key=form.idempotency_key.data,
            description=form.description.data or None,
            on_behalf_of=provider if behalf else None,
        ),
        form=form,
        success=saved_message,
        aliases={"minutes": "duration", **aliases},
    )
    if saved.value is None:
        return _record_page(community, form, behalf), 400
    return redirect(detail_url(community, saved.value.id))


def _preview(
    community: Community,
    form: Any,
    me: Membership | None,
    provider: Membership,
    recipient: Membership,
    minutes: int,
) -> str:
    """What saving would do (nothing is saved); the form's values ride along. ``me``: the
    member recording, None for a coordinator recording for two members."""
    behalf = me is None
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
        me=me,
        carry=carry,
    )
