"""Privacy rights (DESIGN.md §8): a person downloads their data, and erases it.

Erasure keeps the ledger intact: the ledger and the audit trail hold ids, never names, so
the person's ``users`` row stays (for the foreign keys) with every personal field emptied,
and their past exchanges show "Former member #N". Before erasure every membership leaves
(pending exchanges cancelled with notice, balance settled with the pot)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, text, update
from sqlalchemy.orm import aliased

from timebank.extensions import db
from timebank.models import (
    Account,
    Entry,
    Exchange,
    ExchangeText,
    Listing,
    ListingStatus,
    Membership,
    MembershipStatus,
    OutboxMessage,
    Profile,
    Proxy,
    User,
    utcnow,
)
from timebank.services import audit, permissions
from timebank.services.auth import passwords, two_factor
from timebank.services.auth import users as accounts
from timebank.services.community import lifecycle
from timebank.services.companionship import privacy as companionship_privacy
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.messaging import privacy as message_privacy

# The areas that keep personal data of their own: each gives ``export(user, membership_ids)
# -> dict`` and ``erase(user, membership_ids)``. This module sits above every area, so it
# names them here; no area imports it.
AREAS = (
    (message_privacy.export, message_privacy.erase),
    (companionship_privacy.export, companionship_privacy.erase),
)


def membership_ids(user: User) -> list[int]:
    """The ids of every membership of ``user``, in any community and status."""
    return list(db.session.scalars(select(Membership.id).where(Membership.user_id == user.id)))


def check_password(user: User, password: str) -> None:
    """Personal data leaves the system only after the owner re-enters their password."""
    if not passwords.verify_password(user.password_hash, password or ""):
        raise InvalidInput(_l("The password is not correct."), field="password")


def _exchanges(user: User) -> list[dict]:
    mine = select(Account.id).join(Membership).where(Membership.user_id == user.id)
    account_ids = set(db.session.scalars(mine))
    if not account_ids:
        return []
    other_account = aliased(Account)
    other_membership = aliased(Membership)
    other_user = aliased(User)
    rows = []
    query = select(Exchange).where(
        or_(
            Exchange.provider_account_id.in_(account_ids),
            Exchange.recipient_account_id.in_(account_ids),
        )
    )
    exchanges = db.session.scalars(query.order_by(Exchange.id)).all()
    names = dict(
        db.session.execute(
            select(other_account.id, other_user.display_name)
            .join(other_membership, other_account.membership_id == other_membership.id)
            .join(other_user, other_membership.user_id == other_user.id)
            .where(
                other_account.id.in_(
                    {e.provider_account_id for e in exchanges}
                    | {e.recipient_account_id for e in exchanges}
                )
            )
        ).all()
    )
    for exchange in exchanges:
        gave = exchange.provider_account_id in account_ids
        other = exchange.recipient_account_id if gave else exchange.provider_account_id
        rows.append(
            {
                "id": exchange.id,
                "service_date": exchange.service_date.isoformat(),
                "kind": exchange.kind.value,
                "status": exchange.status.value,
                "direction": "gave" if gave else "received",
                "minutes": exchange.minutes,
                "category": exchange.category,
                "counterpart": names.get(other) or _("Community pot"),
            }
        )
    return rows


def export(user: User) -> dict:
    """Everything the installation holds about ``user``, as plain data (JSON-ready)."""
    memberships = db.session.scalars(
        select(Membership).where(Membership.user_id == user.id).order_by(Membership.id)
    ).all()
    ids = [m.id for m in memberships]
    data = {
        "user": _user_data(user),
        "memberships": [_membership_data(m) for m in memberships],
        "profiles": _profiles_data(ids),
        "listings": _listings_data(ids),
        "exchanges": _exchanges(user),
        "texts_written": [
            {"exchange_id": t.exchange_id, "kind": t.kind.value, "text": t.body}
            for t in db.session.scalars(
                select(ExchangeText)
                .where(ExchangeText.author_id == user.id)
                .order_by(ExchangeText.id)
            )
        ],
        "balance_history": _balance_history(ids),
    }
    for exporter, _eraser in AREAS:
        data.update(exporter(user, ids))
    return data


def _user_data(user: User) -> dict:
    return {
        "display_name": user.display_name,
        "email": user.email,
        "phone": user.phone,
        "locale": user.locale,
        "created_at": user.created_at.isoformat(),
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
        "two_factor_sign_in": user.two_factor_enabled,
    }


def _membership_data(m: Membership) -> dict:
    return {
        "community": m.community.name,
        "member_number": m.member_number,
        "role": m.role.value,
        "status": m.status.value,
        "motivation": m.motivation,
        "joined_at": m.created_at.isoformat(),
    }


_PROFILE_FIELDS = ("bio", "neighbourhood", "languages", "availability", "skills", "phone",
                   "address")  # fmt: skip


def _profiles_data(ids: list[int]) -> list[dict]:
    profiles = db.session.scalars(select(Profile).where(Profile.membership_id.in_(ids)))
    rows = []
    for p in profiles:
        row = {field: getattr(p, field) for field in _PROFILE_FIELDS}
        if p.place is not None:  # the list's entry, in both languages
            row["neighbourhood"] = f"{p.place.name_en} / {p.place.name_ar}"
        rows.append(row)
    return rows


def _listings_data(ids: list[int]) -> list[dict]:
    listings = db.session.scalars(
        select(Listing).where(Listing.owner_id.in_(ids)).order_by(Listing.id)
    )
    return [
        {
            "id": listing.id,
            "kind": listing.kind.value,
            "title": listing.title,
            "description": listing.description,
            "status": listing.status.value,
            "neighbourhood": (
                f"{listing.place.name_en} / {listing.place.name_ar}"
                if listing.place is not None
                else listing.neighbourhood
            ),
            "when": listing.when_text,
            "duration_minutes": listing.duration_minutes,
            "created_at": listing.created_at.isoformat(),
        }
        for listing in listings
    ]


def _balance_history(ids: list[int]) -> list[dict]:
    entries = db.session.execute(
        select(Entry.created_at, Entry.exchange_id, Entry.delta, Entry.balance_after)
        .join(Account, Entry.account_id == Account.id)
        .where(Account.membership_id.in_(ids))
        .order_by(Entry.id)
    )
    return [
        {
            "at": row.created_at.isoformat(),
            "exchange_id": row.exchange_id,
            "change_minutes": row.delta,
            "balance_minutes": row.balance_after,
        }
        for row in entries
    ]


def export_rows(data: dict) -> Iterator[tuple]:
    """The export flattened for CSV: (section, item, field, value)."""
    for section, value in data.items():
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items, start=1):
            for field, cell in item.items():
                yield (section, index, field, cell)


def record_export(user: User) -> None:
    audit.record("privacy.export", actor=user, obj=user)


def export_checked(user: User, *, password: str) -> dict:
    """The owner's own download: their password re-entered (``InvalidInput`` on the
    ``password`` field otherwise), the export audited, then everything about them."""
    check_password(user, password)
    record_export(user)
    return export(user)


def erase_self(user: User, *, password: str) -> User:
    """A person erasing their own account, after re-entering their password (see ``erase``)."""
    check_password(user, password)
    return erase(user, actor=user)


def _check_eraser(user: User, actor: User) -> None:
    if actor.id == user.id:
        return
    memberships = db.session.scalars(select(Membership).where(Membership.user_id == user.id)).all()
    if not memberships and not permissions.is_site_admin(actor):
        raise NotAllowed()
    for membership in memberships:
        if not permissions.can_manage_members(actor, membership.community):
            raise NotAllowed(_l("This person also belongs to a community you do not manage."))


def _former_name(user: User, memberships: list[Membership]) -> str:
    numbered = [m for m in memberships if m.member_number is not None]
    community = numbered[0].community if numbered else None
    number = numbered[0].member_number if numbered else user.id
    with force_locale(community.locale if community else "en"):
        return _("Former member #%(n)d", n=number)


def erase(user: User, *, actor: User, now: datetime | None = None) -> User:
    """Erase a person's personal data. Memberships still active or suspended leave first
    (pending exchanges cancelled with notice, balance settled). Then name, e-mail, phone,
    password, profile, listing texts, texts they wrote, and their mail are erased; the
    ledger keeps its rows (verify-ledger still passes). The person can no longer log in.
    Raises ``NotAllowed``, ``InvalidInput`` or ``LimitExceeded`` (settlement).
    Audit: ``privacy.erase`` (ids only)."""
    now = now or utcnow()
    if user.erased_at is not None:
        raise InvalidInput(_l("This person's data has already been erased."))
    if user.is_admin:
        raise NotAllowed(_l("Remove the installation-admin right before erasing this person."))
    _check_eraser(user, actor)
    memberships = db.session.scalars(
        select(Membership).where(Membership.user_id == user.id).order_by(Membership.id)
    ).all()
    for membership in memberships:
        if membership.status in (MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED):
            lifecycle.leave(membership, actor=actor, now=now)
    ids = [m.id for m in memberships]
    if ids:
        _erase_memberships(ids, now)
    written = select(ExchangeText.body).where(ExchangeText.author_id == user.id)
    message_privacy.redact_outbox(ids, db.session.scalars(written).all())
    db.session.execute(delete(ExchangeText).where(ExchangeText.author_id == user.id))
    db.session.execute(
        delete(OutboxMessage).where(
            or_(OutboxMessage.recipient_id == user.id, OutboxMessage.to_address == user.email)
        )
    )
    ids = membership_ids(user)
    for _exporter, eraser in AREAS:
        eraser(user, ids)
    user.display_name = _former_name(user, list(memberships))
    user.email = None
    user.phone = None
    user.password_hash = None
    user.locale = None
    user.last_login_at = None
    user.is_disabled = True
    user.erased_at = now
    two_factor.forget(user)
    accounts.end_sessions(user)
    _compact_search_indexes()
    community_id = memberships[0].community_id if memberships else None
    audit.record("privacy.erase", actor=actor, community_id=community_id, obj=user)
    return user


def _erase_memberships(ids: list[int], now: datetime) -> None:
    db.session.execute(
        update(Membership)
        .where(Membership.id.in_(ids))
        .values(motivation=None, decision_reason=None)
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(
        update(Profile)
        .where(Profile.membership_id.in_(ids))
        .values(
            bio=None,
            neighbourhood=None,
            neighbourhood_id=None,
            languages="",
            availability=None,
            skills=None,
            phone=None,
            address=None,
            search_text="",
            updated_at=now,
        )  # fmt: skip
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(
        update(Listing)
        .where(Listing.owner_id.in_(ids))
        .values(
            title="—",
            description="",
            neighbourhood=None,
            when_text=None,
            search_title="",
            search_body="",
            status=ListingStatus.CLOSED,
            updated_at=now,
        )  # fmt: skip
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(
        update(Account)
        .where(Account.membership_id.in_(ids))
        .values(limit_reason=None)
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(
        update(Proxy)
        .where(or_(Proxy.member_id.in_(ids), Proxy.proxy_id.in_(ids)), Proxy.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session="fetch")
    )


def _compact_search_indexes() -> None:
    """SQLite's FTS5 keeps deleted terms in old segments until they are merged; merge now
    so the erased words leave the index too."""
    if db.session.get_bind().dialect.name != "sqlite":
        return
    db.session.execute(text("INSERT INTO listings_fts(listings_fts) VALUES ('optimize')"))
    db.session.execute(text("INSERT INTO profiles_fts(profiles_fts) VALUES ('optimize')"))


__all__ = [
    "check_password",
    "erase",
    "export",
    "export_rows",
    "membership_ids",
    "record_export",
]
