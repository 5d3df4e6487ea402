"""Acting for a member without internet: a proxy (or a coordinator) records and confirms
exchanges for them, posts listings for them, and prints their balance statement; their
proxy reads their conversations and replies for them. Every action is marked "by X on
behalf of Y" by the services."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from timebank import web
from timebank.access import community_required
from timebank.forms import ListingForm, MessageForm, int_or_none, options, with_places
from timebank.i18n import current_language
from timebank.models import Community, Conversation, Membership
from timebank.proxy import bp
from timebank.proxy.forms import ProxyRecordForm
from timebank.services import permissions
from timebank.services.community import proxies
from timebank.services.exceptions import DomainError
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.ledger import rules
from timebank.services.listings import categories, listings
from timebank.services.messaging import conversations

View = str | Response | tuple[str, int]


def _member(community: Community, member_id: int) -> Membership:
    membership = web.scoped_or_404(Membership, community, member_id)
    if not permissions.can_act_for(web.actor(), membership):
        abort(404)
    return membership


def _member_url(community: Community, membership: Membership) -> str:
    return url_for("proxy.member", slug=community.slug, member_id=membership.id)


@bp.route("/")
@community_required("member")
def index(community: Community) -> str:
    members = proxies.members_of(web.actor(), community.id)
    return render_template("proxy/index.html", community=community, members=members)


@bp.route("/<int:member_id>/")
@community_required("member")
def member(community: Community, member_id: int) -> str:
    membership = _member(community, member_id)
    return render_template(
        "proxy/member.html",
        community=community,
        m=membership,
        pending=proxies.pending_for(membership),
        reads_messages=permissions.is_proxy_for(web.actor(), membership),
    )


def _proxied(community: Community, member_id: int) -> Membership:
    """The member, for their current proxy only: anyone else may not read their messages."""
    membership = _member(community, member_id)
    if not permissions.is_proxy_for(web.actor(), membership):
        abort(403)
    return membership


@bp.route("/<int:member_id>/conversations/")
@community_required("participant")
def conversations_index(community: Community, member_id: int) -> str:
    membership = _proxied(community, member_id)
    page = proxies.conversations_page(
        membership,
        page=int_or_none(request.args.get("page")) or 1,
        per_page=current_app.config["PER_PAGE"],
    )
    return render_template(
        "proxy/conversations.html", community=community, m=membership, rows=page.items, page=page
    )


def _conversation(membership: Membership, conversation_id: int) -> Conversation:
    """The member's conversation, for their proxy; else the error's page (404 or 403)."""
    try:
        return proxies.conversation_for(membership, conversation_id, actor=web.actor())
    except DomainError as error:
        abort(error.status_code)


@bp.route("/<int:member_id>/conversations/<int:conversation_id>", methods=["GET", "POST"])
@web.limited_sending
@community_required("participant")
def conversation(community: Community, member_id: int, conversation_id: int) -> View:
    membership = _proxied(community, member_id)
    found = _conversation(membership, conversation_id)
    form = MessageForm()
    if form.validate_on_submit():
        if _reply(found, membership, form):
            return redirect(request.path)
    elif request.method == "GET":
        web.run(lambda: proxies.record_reading(found, membership, actor=web.actor()))
    return _conversation_page(community, membership, found, form)


def _conversation_page(
    community: Community, membership: Membership, found: Conversation, form: MessageForm
) -> tuple[str, int]:
    """The conversation and the reply form (400 when the form has errors)."""
    return render_template(
        "proxy/conversation.html",
        community=community,
        m=membership,
        conversation=found,
        counterpart=proxies.counterpart(found, membership),
        rows=proxies.messages(found),
        form=form,
    ), (400 if form.errors else 200)


def _reply(found: Conversation, membership: Membership, form: MessageForm) -> bool:
    """Send the proxy's reply in the member's name; False when refused (shown on the form)."""
    sent = web.run(
        lambda: conversations.send(
            found, actor=web.actor(), body=form.body.data, on_behalf_of=membership
        ),
        form=form,
        success=_("Sent on behalf of %(name)s.", name=membership.user.display_name),
    )
    return bool(sent)


@bp.route("/<int:member_id>/confirm", methods=["POST"])
@community_required("member")
def confirm(community: Community, member_id: int) -> Response:
    membership = _member(community, member_id)
    raw = request.form.get("exchange_id", "")
    exchange = exchanges.get_for(community, int(raw)) if raw.isdigit() else None
    if exchange is None:
        flash(_("Choose an exchange to confirm."), "error")
        return redirect(_member_url(community, membership))
    return web.act(
        lambda: exchanges.confirm(exchange, actor=web.actor(), on_behalf_of=membership),
        _("Confirmed on behalf of %(name)s.", name=membership.user.display_name),
        _member_url(community, membership),
    )


@bp.route("/<int:member_id>/record", methods=["GET", "POST"])
@community_required("member")
def record(community: Community, member_id: int) -> View:
    membership = _member(community, member_id)
    form = ProxyRecordForm()
    locale = current_language()
    form.category.choices = [(c.key, c.display_name(locale)) for c in categories.tree(community)]
    if form.validate_on_submit():
        number = form.other_number.data.strip()
        other = proxies.member_by_number(community, number)
        if other is None:
            form.other_number.errors = [_("No member has number %(n)s.", n=number)]
        elif _record(community, membership, other, form):
            return redirect(_member_url(community, membership))
    return render_template("proxy/record.html", community=community, m=membership, form=form)


def _record(
    community: Community, membership: Membership, other: Membership, form: ProxyRecordForm
) -> bool:
    """Record the exchange between the member and ``other`` for the member; False (with
    the service's message on the form) when refused."""
    gave = form.direction.data == "gave"
    provider, recipient = (membership, other) if gave else (other, membership)
    recorded = web.run(
        lambda: exchanges.record(
            community,
            actor=web.actor(),
            provider=provider,
            recipient=recipient,
            minutes=rules.parse_duration(
                form.duration.data, maximum=community.max_minutes_per_exchange
            ),
            service_date=form.service_date.data,
            category=form.category.data,
            idempotency_key=form.idempotency_key.data,
            description=form.description.data or None,
            on_behalf_of=membership,
        ),
        form=form,
        success=_("Recorded on behalf of %(name)s.", name=membership.user.display_name),
    )
    return bool(recorded)


@bp.route("/<int:member_id>/statement")
@community_required("member")
def statement(community: Community, member_id: int) -> tuple[str, int]:
    return web.statement_page(community, _member(community, member_id))


@bp.route("/<int:member_id>/listing", methods=["GET", "POST"])
@community_required("member")
def post_listing(community: Community, member_id: int) -> View:
    membership = _member(community, member_id)
    form = with_places(
        _listing_form(community), community, owner=membership, fill=request.method == "GET"
    )
    if form.validate_on_submit() and web.run(
        lambda: listings.create(
            community, actor=web.actor(), owner=membership, data=form.to_input()
        ),
        form=form,
        success=_("Posted on behalf of %(name)s.", name=membership.user.display_name),
        aliases=form.ERROR_FIELDS,
    ):
        return redirect(_member_url(community, membership))
    return render_template("proxy/listing.html", community=community, m=membership, form=form)


def _listing_form(community: Community) -> ListingForm:
    """The listing form with the community's categories, in the reader's language (also
    the listing's language, until they choose another)."""
    form = ListingForm()
    language = current_language()
    form.category_id.choices = options(
        [("", _("Choose a category"))]
        + [(c.id, c.display_name(language)) for c in categories.tree(community)]
    )
    if request.method == "GET":
        form.language.data = language
    return form
