"""The notifications inbox (with the unread count in the page header), marking read, and
e-mail preferences per kind including the weekly digest."""

from flask import Flask, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from timebank import web
from timebank.access import login_required
from timebank.forms import ConfirmForm
from timebank.i18n import current_language
from timebank.models import Notification
from timebank.notifications import bp
from timebank.notifications.forms import PREFERENCE_LABELS, preferences_form
from timebank.services.exchanges import notices as exchange_notices
from timebank.services.messaging import notifications, titles


def target_url(note: Notification, slug: str | None) -> str:
    target = notifications.target(note.object_type, note.object_id, slug)
    if target is None:
        return url_for("notifications.index")
    endpoint, values = target
    return url_for(endpoint, **values)


def init_app(app: Flask) -> None:
    @app.context_processor
    def unread():
        def unread_notifications() -> int:
            if not current_user.is_authenticated:
                return 0
            return notifications.unread_count(current_user)

        return {"unread_notifications": unread_notifications}


@bp.route("/")
@login_required
def index() -> str:
    page = notifications.inbox_page(
        web.actor(), page=web.page_number(), per_page=current_app.config["PER_PAGE"]
    )
    notes = [note for note, _slug in page.items]
    return render_template(
        "notifications/index.html",
        page=page,
        rows=[(note, target_url(note, slug)) for note, slug in page.items],
        kinds=notifications.KINDS,
        notices={
            **exchange_notices.describe_notes(notes, current_language()),
            **titles.describe_notes(notes, current_language()),
        },
        form=ConfirmForm(),
    )


@bp.route("/read", methods=["POST"])
@login_required
def read_all() -> Response:
    back = url_for("notifications.index")
    if not ConfirmForm().validate_on_submit():
        return redirect(back)
    return web.act(
        lambda: notifications.mark_read(web.actor()),
        _("All notifications are marked as read."),
        back,
    )


@bp.route("/<int:notification_id>/open", methods=["POST"])
@login_required
def open_one(notification_id: int) -> Response:
    """Mark one notification read and go to what it is about."""
    found = notifications.find_for(web.actor(), notification_id)
    if found is None or not ConfirmForm().validate_on_submit():
        return redirect(url_for("notifications.index"))
    web.run(lambda: notifications.mark_read(web.actor(), notification_id=notification_id))
    return redirect(target_url(*found))


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences() -> Response | str:
    form = preferences_form(notifications.preferences(current_user))
    if form.validate_on_submit():
        web.run(
            lambda: notifications.set_preferences(web.actor(), email_kinds=form.chosen()),
            success=_("Your e-mail preferences are saved."),
        )
        return redirect(url_for("notifications.preferences"))
    return render_template(
        "notifications/preferences.html", form=form, kinds=list(PREFERENCE_LABELS)
    )
