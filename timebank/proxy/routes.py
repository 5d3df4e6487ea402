"""Acting for a member without internet: a proxy (or a coordinator) records and confirms
exchanges for them, posts listings for them, and prints their balance statement. Every
action is marked "by X on behalf of Y" by the services."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from timebank.access import community_required
from timebank.console.common import actor, membership_or_404, submit
from timebank.console.forms import ProxyRecordForm
from timebank.extensions import db
from timebank.i18n import current_language
from timebank.models import Account, Community, Exchange, ExchangeStatus, Membership
from timebank.proxy import bp
from timebank.services import (
    categories,
    exchanges,
    member_statement,
    permissions,
    proxies,
    rules,
)
from timebank.services.common import other_party_user_id


def _member(community: Community, member_id: int) -> Membership:
    membership = membership_or_404(community, member_id)
    if not permissions.can_act_for(actor(), membership):
        abort(404)
    return membership


@bp.route("/")
@community_required("member")
def index(community: Community):
    return render_template(
        "proxy/index.html", community=community, members=proxies.members_of(actor(), community.id)
    )


def _pending_for(membership: Membership) -> list[Exchange]:
    account_id = db.session.scalar(select(Account.id).where(Account.membership_id == membership.id))
    if account_id is None:
        return []
    candidates = db.session.scalars(
        select(Exchange)
        .where(
            Exchange.status == ExchangeStatus.RECORDED,
            or_(
                Exchange.provider_account_id == account_id,
                Exchange.recipient_account_id == account_id,
            ),
        )
        .order_by(Exchange.id)
        .limit(50)
    ).all()
    return [e for e in candidates if other_party_user_id(e) == membership.user_id]


@bp.route("/<int:member_id>/")
@community_required("member")
def member(community: Community, member_id: int):
    membership = _member(community, member_id)
    return render_template(
        "proxy/member.html", community=community, m=membership, pending=_pending_for(membership)
    )


@bp.route("/<int:member_id>/confirm", methods=["POST"])
@community_required("member")
def confirm(community: Community, member_id: int):
    from timebank.console.common import act

    membership = _member(community, member_id)
    raw = request.form.get("exchange_id", "")
    exchange = exchanges.get_for(community, int(raw)) if raw.isdigit() else None
    back = url_for("proxy.member", slug=community.slug, member_id=membership.id)
    if exchange is None:
        flash(_("Choose an exchange to confirm."), "error")
        return redirect(back)
    who = actor()
    return act(
        lambda: exchanges.confirm(exchange, actor=who, on_behalf_of=membership),
        _("Confirmed on behalf of %(name)s.", name=membership.user.display_name),
        back,
    )


@bp.route("/<int:member_id>/record", methods=["GET", "POST"])
@community_required("member")
def record(community: Community, member_id: int):
    membership = _member(community, member_id)
    form = ProxyRecordForm()
    locale = current_language()
    form.category.choices = [(c.key, c.display_name(locale)) for c in categories.tree(community)]
    if form.validate_on_submit():
        number = form.other_number.data.strip()
        other = db.session.scalar(
            select(Membership).where(
                Membership.community_id == community.id,
                Membership.member_number == (int(number) if number.isdigit() else -1),
            )
        )
        if other is None:
            form.other_number.errors = [_("No member has number %(n)s.", n=number)]
        else:
            gave = form.direction.data == "gave"
            provider, recipient = (membership, other) if gave else (other, membership)
            who = actor()

            def work():
                minutes = rules.parse_duration(
                    form.duration.data, maximum=community.max_minutes_per_exchange
                )
                return exchanges.record(
                    community,
                    actor=who,
                    provider=provider,
                    recipient=recipient,
                    minutes=minutes,
                    service_date=form.service_date.data,
                    category=form.category.data,
                    idempotency_key=form.idempotency_key.data,
                    description=form.description.data or None,
                    on_behalf_of=membership,
                )

            ok, _exchange = submit(form, work)
            if ok:
                flash(
                    _("Recorded on behalf of %(name)s.", name=membership.user.display_name),
                    "success",
                )
                return redirect(
                    url_for("proxy.member", slug=community.slug, member_id=membership.id)
                )
    return render_template("proxy/record.html", community=community, m=membership, form=form)


@bp.route("/<int:member_id>/statement")
@community_required("member")
def statement(community: Community, member_id: int):
    membership = _member(community, member_id)
    return render_template(
        "console/statement.html",
        community=community,
        m=membership,
        lines=member_statement.lines(membership),
    )


@bp.route("/<int:member_id>/listing", methods=["GET", "POST"])
@community_required("member")
def post_listing(community: Community, member_id: int):
    from timebank.listings.forms import ListingForm, options
    from timebank.services import listings

    membership = _member(community, member_id)
    form = ListingForm()
    language = current_language()
    form.category_id.choices = options(
        [("", _("Choose a category"))]
        + [(c.id, c.display_name(language)) for c in categories.tree(community)]
    )
    if request.method == "GET":
        form.language.data = language
    if form.validate_on_submit():
        who = actor()
        ok, _listing = submit(
            form,
            lambda: listings.create(community, actor=who, owner=membership, data=form.to_input()),
        )
        if ok:
            flash(_("Posted on behalf of %(name)s.", name=membership.user.display_name), "success")
            return redirect(url_for("proxy.member", slug=community.slug, member_id=membership.id))
    return render_template("proxy/listing.html", community=community, m=membership, form=form)
