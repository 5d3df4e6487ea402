"""Webhooks in the console: a community's endpoints (add, with the signing secret shown
once; remove) and the deliveries page (status, answer, "Redeliver")."""

from __future__ import annotations

from flask import current_app, make_response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from timebank.access import community_required
from timebank.console import bp
from timebank.console.webhook_forms import WebhookForm
from timebank.forms import ConfirmForm
from timebank.models import Community, WebhookDelivery, WebhookEndpoint
from timebank.services.webhooks import endpoints
from timebank.services.webhooks.events import EVENTS
from timebank.web import act, actor, page_number, run, scoped_or_404


def _page(community: Community, form: WebhookForm, secret: str | None = None, status: int = 200):
    response = make_response(
        render_template(
            "console/webhooks.html", community=community, form=form, secret=secret,
            endpoints=endpoints.active(community), events=EVENTS, confirm=ConfirmForm(),
        ),
        status,
    )  # fmt: skip
    response.headers["Cache-Control"] = "no-store"  # the secret is never kept by a cache
    return response


@bp.route("/webhooks/", methods=["GET", "POST"])
@community_required("coordinator")
def webhooks(community: Community) -> ResponseReturnValue:
    form = WebhookForm()
    if not form.validate_on_submit():
        return _page(community, form, status=400 if form.is_submitted() else 200)
    outcome = run(
        lambda: endpoints.add(community, actor=actor(), url=form.url.data, events=form.events.data),
        form=form,
    )
    if not outcome or outcome.value is None:
        return _page(community, form, status=400)
    return _page(community, WebhookForm(formdata=None), secret=outcome.value.secret, status=201)


@bp.post("/webhooks/<int:endpoint_id>/remove")
@community_required("coordinator")
def remove_webhook(community: Community, endpoint_id: int) -> ResponseReturnValue:
    endpoint = scoped_or_404(WebhookEndpoint, community, endpoint_id)
    back = url_for("console.webhooks", slug=community.slug)
    if not ConfirmForm().validate_on_submit():
        return redirect(back)
    return act(
        lambda: endpoints.remove(endpoint, actor=actor()),
        _("The endpoint was removed. It will receive no more events."),
        back,
    )


@bp.route("/webhooks/deliveries")
@community_required("coordinator")
def webhook_deliveries(community: Community) -> ResponseReturnValue:
    page = endpoints.deliveries_page(
        community, page=page_number(), per_page=current_app.config["PER_PAGE"]
    )
    return render_template(
        "console/webhook_deliveries.html", community=community, page=page,
        urls=endpoints.urls(community), events=EVENTS, confirm=ConfirmForm(),
    )  # fmt: skip


@bp.post("/webhooks/deliveries/<int:delivery_id>/redeliver")
@community_required("coordinator")
def redeliver_webhook(community: Community, delivery_id: int) -> ResponseReturnValue:
    delivery = scoped_or_404(WebhookDelivery, community, delivery_id)
    back = url_for("console.webhook_deliveries", slug=community.slug)
    if not ConfirmForm().validate_on_submit():
        return redirect(back)
    return act(
        lambda: endpoints.redeliver(delivery, actor=actor()),
        _("The delivery will be sent again."),
        back,
    )
