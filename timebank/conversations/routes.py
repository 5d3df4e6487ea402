"""Responding to a listing, private conversations, turning one into an exchange record,
and reports to the coordinators."""

import uuid

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.access import community_required
from timebank.conversations import bp
from timebank.conversations.forms import ExchangeForm, ReportForm
from timebank.database import transaction
from timebank.extensions import db
from timebank.forms import ConfirmForm, MessageForm, apply_domain_error, int_or_none
from timebank.models import Category, Community, Conversation, Listing, ListingKind, Report
from timebank.services import permissions
from timebank.services.exceptions import DomainError, InvalidInput
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.messaging import conversations, mail
from timebank.web import limited_sending


def _actor():
    return current_user._get_current_object()


def _page() -> int:
    return int_or_none(request.args.get("page")) or 1


def _conversation(community: Community, conversation_id: int) -> Conversation:
    found = db.session.get(Conversation, conversation_id)
    if (
        found is None
        or found.community_id != community.id
        or not permissions.can_read_conversation(current_user, found)
    ):
        abort(404)
    return found


def _fail(form, error: DomainError) -> None:
    if not apply_domain_error(form, error):
        flash(error.message, "error")


@bp.route("/")
@community_required("member")
def index(community: Community):
    membership = permissions.membership_of(current_user, community)
    query = conversations.conversations_query(membership) if membership else None
    page = (
        db.paginate(query, page=_page(), per_page=current_app.config["PER_PAGE"], error_out=False)
        if query is not None
        else None
    )
    rows = (
        db.session.execute(query.limit(page.per_page).offset((page.page - 1) * page.per_page)).all()
        if page is not None
        else []
    )
    return render_template(
        "conversations/index.html",
        community=community,
        page=page,
        rows=rows,
        me=membership.id if membership else None,
    )


@bp.route("/respond/<int:listing_id>", methods=["GET", "POST"])
@limited_sending
@community_required("member")
def respond(community: Community, listing_id: int):
    listing = db.session.get(Listing, listing_id)
    if listing is None or listing.community_id != community.id:
        abort(404)
    form = MessageForm()
    if form.validate_on_submit():
        actor = _actor()
        try:
            conversation = transaction(
                lambda: conversations.respond(listing, actor=actor, body=form.body.data)
            )
        except DomainError as error:
            _fail(form, error)
        else:
            mail.deliver_pending()
            flash(_("Your message is sent."), "success")
            return redirect(url_for(".show", slug=community.slug, conversation_id=conversation.id))
    membership = permissions.membership_of(current_user, community)
    own = membership is not None and membership.id == listing.owner_id
    return render_template(
        "conversations/respond.html", community=community, listing=listing, form=form, own=own
    ), (400 if form.errors else 200)


@bp.route("/<int:conversation_id>", methods=["GET", "POST"])
@limited_sending
@community_required("member")
def show(community: Community, conversation_id: int):
    conversation = _conversation(community, conversation_id)
    party = permissions.is_conversation_party(current_user, conversation)
    form = MessageForm()
    if party and form.validate_on_submit():
        actor = _actor()
        try:
            transaction(lambda: conversations.send(conversation, actor=actor, body=form.body.data))
        except DomainError as error:
            _fail(form, error)
        else:
            mail.deliver_pending()
            return redirect(url_for(".show", slug=community.slug, conversation_id=conversation.id))
    listing = db.session.get(Listing, conversation.listing_id) if conversation.listing_id else None
    return render_template(
        "conversations/show.html",
        community=community,
        conversation=conversation,
        listing=listing,
        rows=db.session.execute(conversations.messages_query(conversation)).all(),
        party=party,
        counterpart=conversations.counterpart(conversation, current_user) if party else None,
        form=form,
    ), (400 if form.errors else 200)


@bp.route("/<int:conversation_id>/exchange", methods=["GET", "POST"])
@community_required("member")
def record_exchange(community: Community, conversation_id: int):
    """Turn the conversation into an exchange record: the other member, the listing's
    category and its title prefilled; it then follows the ledger lifecycle."""
    conversation = _conversation(community, conversation_id)
    back = url_for(".show", slug=community.slug, conversation_id=conversation.id)
    if not permissions.is_conversation_party(current_user, conversation):
        if request.method == "POST":
            flash(_("Only the two members of a conversation can record its exchange."), "error")
            return redirect(back)
        return render_template(
            "conversations/exchange.html", community=community, conversation=conversation
        )
    other = conversations.counterpart(conversation, current_user)
    me = permissions.membership_of(current_user, community)
    listing = db.session.get(Listing, conversation.listing_id) if conversation.listing_id else None
    category = db.session.get(Category, listing.category_id) if listing else None
    form = ExchangeForm()
    if request.method == "GET":
        form.idempotency_key.data = f"conv-{uuid.uuid4().hex}"
        if listing is not None:
            mine = listing.owner_id == me.id
            offer = listing.kind == ListingKind.OFFER
            form.direction.data = "gave" if mine == offer else "received"
            form.description.data = listing.title
    if form.validate_on_submit():
        actor = _actor()
        gave = form.direction.data == "gave"
        try:
            exchange = transaction(
                lambda: exchanges.record_from_conversation(
                    conversation,
                    actor=actor,
                    gave=gave,
                    minutes=form.minutes.data,
                    service_date=form.service_date.data,
                    idempotency_key=form.idempotency_key.data or f"conv-{uuid.uuid4().hex}",
                    description=form.description.data,
                )
            )
        except DomainError as error:
            _fail(form, error)
        else:
            mail.deliver_pending()
            flash(
                _("The exchange is recorded.")
                + " "
                + (
                    _("%(name)s is asked to confirm it.", name=other.user.display_name)
                    if exchange.status.value == "recorded"
                    else ""
                ),
                "success",
            )
            return redirect(url_for(".show", slug=community.slug, conversation_id=conversation.id))
    return render_template(
        "conversations/exchange.html",
        community=community,
        conversation=conversation,
        other=other,
        listing=listing,
        category=category,
        form=form,
    ), (400 if form.errors else 200)


@bp.route("/report/<target_type>/<int:target_id>", methods=["GET", "POST"])
@community_required("member")
def report(community: Community, target_type: str, target_id: int):
    if target_type not in conversations.REPORT_TARGETS:
        abort(404)
    form = ReportForm()
    if form.validate_on_submit():
        actor = _actor()
        try:
            transaction(
                lambda: conversations.report(
                    community,
                    actor=actor,
                    target_type=target_type,
                    target_id=target_id,
                    reason=form.reason.data,
                )  # fmt: skip
            )
        except InvalidInput as error:
            _fail(form, error)
        except DomainError:
            abort(404)
        else:
            mail.deliver_pending()
            flash(_("Thank you. The coordinators will look at your report."), "success")
            return redirect(url_for("community.home", slug=community.slug))
    return render_template(
        "conversations/report.html", community=community, form=form, target_type=target_type
    ), (400 if form.errors else 200)


@bp.route("/reports")
@community_required("coordinator")
def reports(community: Community):
    page = db.paginate(
        conversations.reports_query(community),
        page=_page(),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    rows = db.session.execute(
        conversations.reports_query(community)
        .limit(page.per_page)
        .offset((page.page - 1) * page.per_page)
    ).all()
    return render_template(
        "conversations/reports.html", community=community, page=page, rows=rows, form=ConfirmForm()
    )


@bp.route("/reports/<int:report_id>/close", methods=["POST"])
@community_required("coordinator")
def close_report(community: Community, report_id: int):
    entry = db.session.get(Report, report_id)
    if entry is None or entry.community_id != community.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        actor = _actor()
        transaction(lambda: conversations.close_report(entry, actor=actor))
        flash(_("The report is closed."), "success")
    return redirect(url_for(".reports", slug=community.slug))
