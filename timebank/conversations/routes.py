"""Responding to a listing, private conversations, turning one into an exchange record,
and reports to the coordinators."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from timebank import web
from timebank.access import community_required
from timebank.conversations import bp
from timebank.conversations.forms import ExchangeForm, ReportForm, exchange_key
from timebank.extensions import db
from timebank.forms import ConfirmForm, MessageForm
from timebank.models import (
    Category,
    Community,
    Conversation,
    Exchange,
    Listing,
    Membership,
    Report,
)
from timebank.services import permissions
from timebank.services.exchanges import from_conversation
from timebank.services.messaging import conversations
from timebank.web import limited_sending


def _conversation(community: Community, conversation_id: int) -> Conversation:
    """The conversation, if the signed-in user may read it; else 404."""
    found = web.scoped_or_404(Conversation, community, conversation_id)
    if not permissions.can_read_conversation(web.actor(), found):
        abort(404)
    return found


def _listing(conversation: Conversation) -> Listing | None:
    return db.session.get(Listing, conversation.listing_id) if conversation.listing_id else None


def _back(community: Community, conversation: Conversation) -> str:
    return url_for(".show", slug=community.slug, conversation_id=conversation.id)


@bp.route("/")
@community_required("member")
def index(community: Community) -> str:
    membership = permissions.membership_of(web.actor(), community)
    page = (
        conversations.conversations_page(
            membership, page=web.page_number(), per_page=current_app.config["PER_PAGE"]
        )
        if membership
        else None
    )
    return render_template(
        "conversations/index.html",
        community=community,
        page=page,
        rows=page.items if page is not None else [],
        me=membership.id if membership else None,
    )


@bp.route("/respond/<int:listing_id>", methods=["GET", "POST"])
@limited_sending
@community_required("member")
def respond(community: Community, listing_id: int) -> ResponseReturnValue:
    listing = web.scoped_or_404(Listing, community, listing_id)
    form = MessageForm()
    if form.validate_on_submit():
        started = web.run(
            lambda: conversations.respond(listing, actor=web.actor(), body=form.body.data),
            form=form,
            success=_("Your message is sent."),
        )
        if started.value is not None:
            return redirect(_back(community, started.value))
    membership = permissions.membership_of(web.actor(), community)
    own = membership is not None and membership.id == listing.owner_id
    return render_template(
        "conversations/respond.html", community=community, listing=listing, form=form, own=own
    ), (400 if form.errors else 200)


def _render_show(
    community: Community, conversation: Conversation, form: MessageForm, *, party: bool
) -> ResponseReturnValue:
    """The conversation's messages, and the message form for its two members (400 when
    the form has errors)."""
    return render_template(
        "conversations/show.html",
        community=community,
        conversation=conversation,
        listing=_listing(conversation),
        rows=conversations.messages(conversation),
        party=party,
        counterpart=conversations.counterpart(conversation, web.actor()) if party else None,
        form=form,
    ), (400 if form.errors else 200)


@bp.route("/<int:conversation_id>", methods=["GET", "POST"])
@limited_sending
@community_required("member")
def show(community: Community, conversation_id: int) -> ResponseReturnValue:
    conversation = _conversation(community, conversation_id)
    party = permissions.is_conversation_party(web.actor(), conversation)
    form = MessageForm()
    if (
        party
        and form.validate_on_submit()
        and web.run(
            lambda: conversations.send(conversation, actor=web.actor(), body=form.body.data),
            form=form,
        )
    ):
        return redirect(_back(community, conversation))
    return _render_show(community, conversation, form, party=party)


def _not_party(community: Community, conversation: Conversation) -> ResponseReturnValue:
    """Only the two members record an exchange: others see a notice (or, posting, are
    sent back with it)."""
    if request.method == "POST":
        flash(_("Only the two members of a conversation can record its exchange."), "error")
        return redirect(_back(community, conversation))
    return render_template(
        "conversations/exchange.html", community=community, conversation=conversation
    )


def _record(conversation: Conversation, form: ExchangeForm) -> Exchange:
    """Record the exchange the form describes, between the conversation's two members."""
    return from_conversation.record(
        conversation,
        actor=web.actor(),
        gave=form.direction.data == "gave",
        minutes=form.minutes.data,
        service_date=form.service_date.data,
        idempotency_key=form.idempotency_key.data or exchange_key(),
        description=form.description.data,
    )


def _recorded(exchange: Exchange, other: Membership) -> str:
    """Recorded, and (when it waits for them) the other member is asked to confirm."""
    waiting = exchange.status.value == "recorded"
    asked = _("%(name)s is asked to confirm it.", name=other.user.display_name) if waiting else ""
    return _("The exchange is recorded.") + " " + asked


def _render_exchange(
    community: Community,
    conversation: Conversation,
    form: ExchangeForm,
    *,
    other: Membership,
    listing: Listing | None,
) -> ResponseReturnValue:
    """The exchange form, with the other member and the listing's category (400 when the
    form has errors)."""
    return render_template(
        "conversations/exchange.html",
        community=community,
        conversation=conversation,
        other=other,
        listing=listing,
        category=db.session.get(Category, listing.category_id) if listing else None,
        form=form,
    ), (400 if form.errors else 200)


@bp.route("/<int:conversation_id>/exchange", methods=["GET", "POST"])
@community_required("member")
def record_exchange(community: Community, conversation_id: int) -> ResponseReturnValue:
    """Turn the conversation into an exchange record: the other member, the listing's
    category and its title prefilled; it then follows the ledger lifecycle."""
    conversation = _conversation(community, conversation_id)
    if not permissions.is_conversation_party(web.actor(), conversation):
        return _not_party(community, conversation)
    other = conversations.counterpart(conversation, web.actor())
    listing = _listing(conversation)
    form = ExchangeForm()
    if request.method == "GET":
        form.prefill(listing, permissions.membership_of(web.actor(), community))
    if form.validate_on_submit() and web.run(
        lambda: _record(conversation, form), form=form, success=lambda x: _recorded(x, other)
    ):
        return redirect(_back(community, conversation))
    return _render_exchange(community, conversation, form, other=other, listing=listing)


def _report(community: Community, form: ReportForm, target_type: str, target_id: int) -> Report:
    return conversations.report(
        community,
        actor=web.actor(),
        target_type=target_type,
        target_id=target_id,
        reason=form.reason.data,
    )


@bp.route("/report/<target_type>/<int:target_id>", methods=["GET", "POST"])
@community_required("member")
def report(community: Community, target_type: str, target_id: int) -> ResponseReturnValue:
    if target_type not in conversations.REPORT_TARGETS:
        abort(404)
    form = ReportForm()
    if form.validate_on_submit():
        target = (target_type, target_id)
        if not conversations.reportable(community, web.actor(), *target):
            abort(404)
        thanks = _("Thank you. The coordinators will look at your report.")
        if web.run(lambda: _report(community, form, *target), form=form, success=thanks):
            return redirect(url_for("community.home", slug=community.slug))
    return render_template(
        "conversations/report.html", community=community, form=form, target_type=target_type
    ), (400 if form.errors else 200)


@bp.route("/reports")
@community_required("coordinator")
def reports(community: Community) -> str:
    page = conversations.reports_page(
        community, page=web.page_number(), per_page=current_app.config["PER_PAGE"]
    )
    return render_template(
        "conversations/reports.html",
        community=community,
        page=page,
        rows=page.items,
        form=ConfirmForm(),
    )


@bp.route("/reports/<int:report_id>/close", methods=["POST"])
@community_required("coordinator")
def close_report(community: Community, report_id: int) -> Response:
    entry = web.scoped_or_404(Report, community, report_id)
    return web.act(
        lambda: conversations.close_report(entry, actor=web.actor()),
        _("The report is closed."),
        url_for(".reports", slug=community.slug),
    )
