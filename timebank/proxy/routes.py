"""Acting for a member without internet: a proxy (or a coordinator) records and confirms
exchanges for them, posts listings for them, and prints their balance statement; their
proxy reads their conversations and replies for them. Every action is marked "by X on
behalf of Y" by the services."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from timebank.access import community_required
from timebank.console.common import membership_or_404, submit
from timebank.extensions import db
from timebank.i18n import current_language
from timebank.models import Account, Community, Exchange, ExchangeStatus, Membership
from timebank.proxy import bp
from timebank.proxy.forms import ProxyRecordForm
from timebank.services import paging, permissions
from timebank.services.community import proxies
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.ledger import member_statement, rules
from timebank.services.ledger.checks import other_party_user_id
from timebank.services.listings import categories
from timebank.services.messaging import conversations
from timebank.web import actor, limited_sending


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
        "proxy/member.html",
        community=community,
        m=membership,
        pending=_pending_for(membership),
        reads_messages=permissions.is_proxy_for(actor(), membership),
    )


def _proxied(community: Community, member_id: int) -> Membership:
    """The member, for their current proxy only: anyone else may not read their messages."""
    membership = _member(community, member_id)
    if not permissions.is_proxy_for(actor(), membership):
        abort(403)
    return membership


@bp.route("/<int:member_id>/conversations/")
@community_required("participant")
def conversations_index(community: Community, member_id: int):
    from timebank.forms import int_or_none

    membership = _proxied(community, member_id)
    query = conversations.conversations_query(membership)
    number = int_or_none(request.args.get("page")) or 1
    per_page = current_app.config["PER_PAGE"]
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.execute(query.limit(per_page).offset((number - 1) * per_page)).all()
    return render_template(
        "proxy/conversations.html",
        community=community,
        m=membership,
        rows=rows,
        page=paging.Page(items=rows, page=number, per_page=per_page, total=total),
    )


@bp.route("/<int:member_id>/conversations/<int:conversation_id>", methods=["GET", "POST"])
@limited_sending
@community_required("participant")
def conversation(community: Community, member_id: int, conversation_id: int):
    from timebank.database import transaction
    from timebank.forms import MessageForm
    from timebank.services.exceptions import DomainError

    membership = _proxied(community, member_id)
    who = actor()
    try:
        found = proxies.conversation_for(membership, conversation_id, actor=who)
    except DomainError as error:
        abort(error.status_code)
    form = MessageForm()
    if form.validate_on_submit():
        ok, _message = submit(
            form,
            lambda: conversations.send(
                found, actor=who, body=form.body.data, on_behalf_of=membership
            ),
        )
        if ok:
            flash(_("Sent on behalf of %(name)s.", name=membership.user.display_name), "success")
            return redirect(request.path)
    elif request.method == "GET":
        transaction(lambda: proxies.record_reading(found, membership, actor=who))
    return render_template(
        "proxy/conversation.html",
        community=community,
        m=membership,
        conversation=found,
        counterpart=db.session.get(
            Membership,
            found.other_id if found.starter_id == membership.id else found.starter_id,
        ),
        rows=db.session.execute(conversations.messages_query(found)).all(),
        form=form,
    ), (400 if form.errors else 200)


@bp.route("/<int:member_id>/confirm", methods=["POST"])
@community_required("member")
def confirm(community: Community, member_id: int):
    from timebank.web import act

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
    from timebank.forms import ListingForm, options
    from timebank.services.listings import listings

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
