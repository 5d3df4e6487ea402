"""API v1 notifications: the holder's inbox (newest first, cursor-paged) and marking
one or all of them read, with the inbox page's services."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_babel import get_locale

from timebank.api import bp
from timebank.api import schemas_more as schemas
from timebank.api.tokens import caller, scope_required
from timebank.api.writes import write
from timebank.services.exchanges import notices as exchange_notices
from timebank.services.messaging import notifications, titles


@bp.route("/notifications")
@scope_required("read")
@bp.arguments(schemas.NotificationCursorArgs, location="query")
@bp.response(200, schemas.NotificationPageOut)
def notification_list(args: dict):
    """The holder's notifications, newest first, each saying who did what as the inbox
    does, in the client's language."""
    rows, following = notifications.feed(caller(), before=args.get("cursor"),
                                         limit=args["limit"])  # fmt: skip
    notes, locale = [note for note, _slug in rows], str(get_locale())
    told: dict[int, Any] = {
        **exchange_notices.describe_notes(notes, locale),
        **titles.describe_notes(notes, locale, plain=True),
    }
    items = [
        {"id": note.id, "kind": note.kind,
         "text": str(told[note.id].title if note.id in told
                     else notifications.KINDS.get(note.kind, "")),
         "detail": str(told[note.id].text) if note.id in told else None,
         "community": slug, "object_type": note.object_type, "object_id": note.object_id,
         "read": note.read_at is not None, "created_at": note.created_at}
        for note, slug in rows
    ]  # fmt: skip
    unread = notifications.unread_count(caller())
    return {"unread": unread, "items": items, "next": following}


def _mark(notification_id: int | None) -> dict:
    count = write(
        "notification.read",
        lambda _key: notifications.mark_read(caller(), notification_id=notification_id),
        community_id=None,
        keyed=False,
    )
    return {"marked": count}


@bp.route("/notifications/read", methods=["POST"])
@scope_required("read")
@bp.response(200, schemas.MarkedOut)
def notification_read_all():
    """Mark every notification of the holder read."""
    return _mark(None)


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@scope_required("read")
@bp.response(200, schemas.MarkedOut)
def notification_read(notification_id: int):
    """Mark one notification read (404 for one that is not the holder's)."""
    if notifications.find_for(caller(), notification_id) is None:
        abort(404)
    return _mark(notification_id)
