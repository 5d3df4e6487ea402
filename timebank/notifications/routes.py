"""The notifications inbox (with the unread count in the page header), marking read, and
e-mail preferences per kind including the weekly digest."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import BooleanField

from timebank.access import login_required
from timebank.database import transaction
from timebank.extensions import db
from timebank.forms import ConfirmForm, Form, int_or_none
from timebank.models import Community, Notification
from timebank.notifications import bp
from timebank.services.messaging import notifications


def target_url(note: Notification, slug: str | None) -> str:
    target = notifications.target(note.object_type, note.object_id, slug)
    if target is None:
        return url_for("notifications.index")
    endpoint, values = target
    return url_for(endpoint, **values)


def init_app(app) -> None:
    @app.context_processor
    def unread():
        def unread_notifications() -> int:
            if not current_user.is_authenticated:
                return 0
            return notifications.unread_count(current_user)

        return {"unread_notifications": unread_notifications}


@bp.route("/")
@login_required
def index():
    query = notifications.inbox_query(current_user).add_columns(Community.slug)
    query = query.outerjoin(Community, Community.id == Notification.community_id)
    page = db.paginate(
        query,
        page=int_or_none(request.args.get("page")) or 1,
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    rows = [
        (note, target_url(note, slug))
        for note, slug in db.session.execute(
            query.limit(page.per_page).offset((page.page - 1) * page.per_page)
        ).all()
    ]
    return render_template(
        "notifications/index.html",
        page=page,
        rows=rows,
        kinds=notifications.KINDS,
        form=ConfirmForm(),
    )


@bp.route("/read", methods=["POST"])
@login_required
def read_all():
    if ConfirmForm().validate_on_submit():
        actor = current_user._get_current_object()
        transaction(lambda: notifications.mark_read(actor))
        flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/<int:notification_id>/open", methods=["POST"])
@login_required
def open_one(notification_id: int):
    """Mark one notification read and go to what it is about."""
    row = db.session.execute(
        select(Notification, Community.slug)
        .outerjoin(Community, Community.id == Notification.community_id)
        .where(Notification.id == notification_id, Notification.user_id == current_user.id)
    ).first()
    if row is None or not ConfirmForm().validate_on_submit():
        return redirect(url_for("notifications.index"))
    actor = current_user._get_current_object()
    transaction(lambda: notifications.mark_read(actor, notification_id=notification_id))
    return redirect(target_url(row[0], row[1]))


PREFERENCE_LABELS = {
    **notifications.KINDS,
    notifications.DIGEST: _l("A weekly digest of new listings in my categories and area"),
}


def _preferences_form(values: dict[str, bool]):
    class PreferencesForm(Form):
        pass

    for kind, label in PREFERENCE_LABELS.items():
        setattr(PreferencesForm, kind, BooleanField(label, default=values[kind]))
    return PreferencesForm()


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    form = _preferences_form(notifications.preferences(current_user))
    if form.validate_on_submit():
        actor = current_user._get_current_object()
        chosen = {kind for kind in PREFERENCE_LABELS if getattr(form, kind).data}
        transaction(lambda: notifications.set_preferences(actor, email_kinds=chosen))
        flash(_("Your e-mail preferences are saved."), "success")
        return redirect(url_for("notifications.preferences"))
    return render_template(
        "notifications/preferences.html",
        form=form,
        kinds=list(PREFERENCE_LABELS),
    )
