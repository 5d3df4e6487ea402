"""In-app notifications, with an e-mail copy queued in the outbox when the member wants
it (delivered after the commit by ``database.transaction``)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from functools import cache
from typing import Protocol

from babel import Locale
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from timebank.database import changed
from timebank.extensions import MAX_PAGE, db
from timebank.models import (
    Community,
    Membership,
    Notification,
    NotificationPreference,
    OutboxMessage,
    Role,
    User,
    utcnow,
)
from timebank.services import audit, paging
from timebank.services.messaging import mail
from timebank.services.paging import Page
from timebank.services.prepared import insert_of

# Kind -> the sentence shown in the inbox and used as the e-mail subject.
KINDS = {
    "response": _l("Someone responded to your listing"),
    "message": _l("You have a new message"),
    "exchange_confirm": _l("An exchange waits for your confirmation"),
    "exchange_confirmed": _l("The other member confirmed an exchange you recorded"),
    "exchange_posted": _l("An exchange was posted to your balance"),
    "exchange_decided": _l("An exchange was approved or rejected"),
    "exchange_reversed": _l("An exchange was reversed"),
    "matched": _l("You were matched for companionship"),
    "offer": _l("A volunteer offered to take a companionship request"),
    "listing_expiring": _l("A listing is about to expire"),
    "concern": _l("A concern was raised after a companionship visit"),
    "check_expiring": _l("A safeguarding check is expiring"),
    "report": _l("A member made a report"),
    "application": _l("Someone applied to join the community"),
    "limit_changed": _l("A coordinator changed your time limits"),
    "write_off": _l("A departing member's hours were written off to the community pot"),
    "ledger_check_failed": _l(
        "The nightly ledger check found a problem: run verify-ledger and read docs/operations.md"
    ),
    "proposal_new": _l("A member proposed a new service"),
    "proposal_stage": _l("Your proposal moved to a new stage"),
    "proposal_adopted": _l("A proposal you endorsed was adopted"),
    "visit_missed": _l("A planned visit was not logged"),
    "visit_stand_in": _l("Could you stand in for a companionship visit?"),
    "visit_unattended": _l("A planned companionship visit did not happen"),
    "visit_moved": _l("A companionship visit was moved"),
    "visit_schedule": _l("The day or time of the companionship visits changed"),
    "report_ready": _l("The report you asked for is ready to download"),
}
# object type -> (endpoint, URL argument) of the page a notification leads to: the inbox
# links there, and the e-mail gives its address when the caller named no other.
TARGETS = {
    "companionship_visits": ("companionship.concerns", None),
    "companionship_arrangements": ("companionship.arrangement", "arrangement_id"),
    "companionship_requests": ("companionship.show", "request_id"),
    "companionship_planned_visits": ("companionship.stand_in", "planned_id"),
    "conversations": ("conversations.show", "conversation_id"),
    "reports": ("conversations.reports", None),
    "listings": ("listings.detail", "listing_id"),
    "safeguarding_checks": ("safeguarding.index", None),
    "exchanges": ("exchanges.detail", "exchange_id"),
    "applications": ("console.vet", "membership_id"),
    "codesign_proposals": ("codesign.show", "proposal_id"),
    "prepared_reports": ("metrics.prepared", "prepared_id"),
}
DIGEST = "digest"
# A subject or body: a (lazy) string, or a function of the recipient's language called
# with that language in force (names, durations and dates read as the recipient reads them).
Text = str | Callable[[str], str]
PREFERENCE_KINDS = (*KINDS.keys(), DIGEST)


def target(
    object_type: str | None, object_id: int | None, slug: str | None
) -> tuple[str, dict] | None:
    """(endpoint, URL values) of the page about ``object_type`` in community ``slug``, or
    None when there is none (no community, or a part of the site that is not installed)."""
    found = TARGETS.get(object_type or "")
    if found is None or slug is None or found[0] not in current_app.view_functions:
        return None
    endpoint, argument = found
    return endpoint, {"slug": slug, **({argument: object_id} if argument else {})}


def target_path(object_type: str | None, object_id: int | None, slug: str | None) -> str:
    """The path of that page ("" when there is none), built from the URL map alone, so
    that jobs run from the command line (outside any request) can write it too."""
    found = target(object_type, object_id, slug)
    if found is None:
        return ""
    adapter = current_app.url_map.bind(
        "localhost", script_name=current_app.config["APPLICATION_ROOT"]
    )
    return adapter.build(*found)


def _declined(user_ids: Iterable[int], kinds: Iterable[str]) -> set[tuple[int, str]]:
    """(user, kind) pairs whose e-mail the member turned off; e-mail is on without a
    preference row. One query, however many members and kinds."""
    rows = db.session.execute(
        select(NotificationPreference.user_id, NotificationPreference.kind).where(
            NotificationPreference.user_id.in_(list(user_ids)),
            NotificationPreference.kind.in_(list(kinds)),
            NotificationPreference.email.is_(False),
        )
    )
    return {(user_id, kind) for user_id, kind in rows}


def notify(user: User, kind: str, **options) -> None:
    """Store a notification; queue its e-mail if the member has e-mail on for ``kind``, in
    the member's language (the community's when they chose none). ``options`` are those of
    ``notify_all``: the community, the object, a link, and a ``subject`` and ``body`` (lazy
    strings, or functions of the language, rendered in that language) to replace the
    default e-mail text."""
    notify_all([user], kind, **options)


class Recipient(Protocol):
    """Who a notification is for: a ``User``, or a plain row with these columns."""

    @property
    def id(self) -> int: ...

    @property
    def email(self) -> str | None: ...

    @property
    def locale(self) -> str | None: ...


class Where(Protocol):
    """The community a notification is about: a ``Community``, or a row of these."""

    @property
    def id(self) -> int: ...

    @property
    def slug(self) -> str: ...

    @property
    def locale(self) -> str: ...


def notify_all(
    users: Iterable[Recipient],
    kind: str,
    *,
    community: Where | None,
    object_type: str | None = None,
    object_id: int | None = None,
    link: str = "",
    subject: Text | None = None,
    body: Text | None = None,
    declined: Collection[int] | None = None,
) -> int:
    """``notify`` for several members at once (an approval tells both parties, a report
    every coordinator): their e-mail preferences in one query (none when the caller read
    them already: ``declined``, the ids of those who turned this kind's e-mail off), then
    one multi-row insert of their notifications and one of their e-mails, as Core
    statements. Without a ``link``, the e-mail links the page the inbox leads to (absolute
    when the site's address is known: ``mail.address``). Returns how many were notified."""
    assert kind in KINDS, kind
    users = list(users)
    if not users:
        return 0
    if declined is None:
        declined = {user_id for user_id, _kind in _declined([u.id for u in users], [kind])}
    community_id = community.id if community is not None else None
    if not link and community is not None:
        link = target_path(object_type, object_id, community.slug)
    link = mail.address(link)
    now = utcnow()
    notes, letters = [], []
    texts: dict[str, tuple[str, str]] = {}  # by language: written once for its readers
    for user in users:
        notes.append(
            {
                "user_id": user.id,
                "community_id": community_id,
                "kind": kind,
                "object_type": object_type,
                "object_id": object_id,
                "created_at": now,
            }
        )
        if user.id in declined or not user.email:
            continue
        locale = user.locale or (community.locale if community is not None else None) or "en"
        if locale not in texts:
            texts[locale] = _letter(kind, locale, link, subject, body)
        title, text = texts[locale]
        letters.append(mail.letter(user, title, text, community_id=community_id, now=now))
    connection = db.session.connection()
    _INSERT_NOTIFICATIONS.many(connection, notes)
    _INSERT_LETTERS.many(connection, letters)
    return len(notes)


# Compiled once, run on the driver's cursor: an approval writes both (the ledger's hot path).
_INSERT_NOTIFICATIONS = insert_of(
    Notification, ("user_id", "community_id", "kind", "object_type", "object_id", "created_at")
)
_INSERT_LETTERS = insert_of(
    OutboxMessage,
    ("recipient_id", "to_address", "subject", "body", "community_id", "created_at"),
    attempts=0,
)


def _letter(
    kind: str, locale: str, link: str, subject: Text | None, body: Text | None
) -> tuple[str, str]:
    """The subject and text of the e-mail in ``locale``, rendered with it in force."""
    with force_locale(_parsed(locale)):
        title = _render(subject, locale) if subject is not None else str(KINDS[kind])
        text = "\n\n".join(
            part
            for part in (
                _render(body, locale) if body is not None else title + ".",
                str(_l("Open Timebank to see it: %(link)s", link=link)) if link else "",
                str(_l("You can turn these e-mails off in your notification settings.")),
            )
            if part
        )
    return title, text


@cache
def _parsed(locale: str) -> Locale:
    """``force_locale`` parses a language's name on every call (a look at the disk for its
    data); a parsed ``Locale`` is used as it is."""
    return Locale.parse(locale)


def _render(text: Text, locale: str) -> str:
    return text(locale) if callable(text) else str(text)


def coordinators_of(community: Community) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.community_id == community.id,
                Membership.status == "active",
                Membership.role.in_([Role.COORDINATOR, Role.ADMIN]),
            )
            .order_by(User.id)
        )
    )


def notify_site_admins(kind: str, **kwargs) -> int:
    """Tell every installation admin (an operational alarm, of no one community)."""
    admins = db.session.scalars(
        select(User).where(User.is_admin.is_(True), User.is_disabled.is_(False))
    ).all()
    return notify_all(admins, kind, community=None, **kwargs)


def notify_coordinators(community: Community, kind: str, **kwargs) -> int:
    return notify_all(coordinators_of(community), kind, community=community, **kwargs)


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def inbox_query(user: User):
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def inbox_page(user: User, *, page: int, per_page: int) -> Page:
    """One page of ``user``'s inbox, newest first: (notification, slug of its community or
    None) rows. Any page costs what the first does (``paging.first_key``)."""
    page = min(max(page, 1), MAX_PAGE)
    order = (Notification.created_at, Notification.id)
    keys = (
        select(*order)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    start = paging.first_key(keys, page=page, per_page=per_page)
    rows: list = []
    if start is not None:
        query = inbox_query(user).add_columns(Community.slug)
        query = query.outerjoin(Community, Community.id == Notification.community_id)
        query = query.where(paging.from_key(order, start))
        rows = list(db.session.execute(query.limit(per_page)).all())
    total = db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == user.id)
    )
    return Page([(note, slug) for note, slug in rows], page, per_page, total or 0)


def feed(
    user: User, *, before: int | None, limit: int
) -> tuple[list[tuple[Notification, str | None]], int | None]:
    """``user``'s notifications newest first (by id), up to ``limit`` with an id below
    ``before``, with their community's slug; and the cursor of the next page (None at the
    end). The API's inbox: stable however many arrive meanwhile."""
    query = (
        select(Notification, Community.slug)
        .outerjoin(Community, Community.id == Notification.community_id)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(Notification.id < before)
    rows: list[tuple[Notification, str | None]] = [
        (note, slug) for note, slug in db.session.execute(query).all()
    ]
    following = rows[limit - 1][0].id if len(rows) > limit else None
    return rows[:limit], following


def find_for(user: User, notification_id: int) -> tuple[Notification, str | None] | None:
    """``user``'s notification with this id and the slug of its community (None when it
    has none); None when ``user`` has no such notification."""
    row = db.session.execute(
        select(Notification, Community.slug)
        .outerjoin(Community, Community.id == Notification.community_id)
        .where(Notification.id == notification_id, Notification.user_id == user.id)
    ).first()
    return (row[0], row[1]) if row is not None else None


def mark_read(user: User, *, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) notification of ``user`` read."""
    statement = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    count = changed(statement.values(read_at=utcnow()))
    db.session.flush()
    audit.record(
        "notification.read",
        actor=user,
        object_type="notifications",
        object_id=notification_id,
        details={"count": count},
    )
    return count


def set_preferences(user: User, *, email_kinds: set[str]) -> None:
    """E-mail on for the kinds in ``email_kinds`` (``digest`` included), off for the rest."""
    existing = {
        row.kind: row
        for row in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    for kind in PREFERENCE_KINDS:
        wanted = kind in email_kinds
        row = existing.get(kind)
        if row is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, email=wanted))
        else:
            row.email = wanted
    db.session.flush()
    audit.record(
        "notification.preferences",
        actor=user,
        object_type="notification_preferences",
        details={"email": sorted(k for k in email_kinds if k in PREFERENCE_KINDS)},
    )


def preferences(user: User) -> dict[str, bool]:
    """Whether e-mail is on, for each kind (one query)."""
    off = {kind for _user_id, kind in _declined([user.id], PREFERENCE_KINDS)}
    return {kind: kind not in off for kind in PREFERENCE_KINDS}
