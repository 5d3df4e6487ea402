"""Safeguarding: checks recorded for members by coordinators, and which categories (and
companionship kinds) require which valid checks.

A check is valid on a day when it is not revoked and has not expired. A member lacking a
required valid check cannot respond to, offer for, or be matched to such a request;
``missing_checks`` names what is missing so the reason can be shown plainly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import aliased, joinedload

from timebank.database import changed
from timebank.extensions import db
from timebank.models import (
    CategoryRequirement,
    CheckType,
    Community,
    CompanionshipKind,
    Membership,
    SafeguardingCheck,
    User,
    utcnow,
)
from timebank.services import audit, permissions
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.languages import join_list
from timebank.services.listings import categories
from timebank.services.messaging import notifications

MAX_NOTE = 1000
EXPIRY_WARNING_DAYS = 30

CHECK_LABELS = {
    CheckType.BACKGROUND: _l("Background (criminal record) check"),
    CheckType.REFERENCES: _l("References"),
    CheckType.ID_SEEN: _l("Identity document seen"),
    CheckType.INTERVIEW: _l("Interview"),
    CheckType.TRAINING: _l("Safeguarding training"),
    CheckType.DRIVING: _l("Driving licence and insurance seen"),
}


# (category key, kind or "" for every kind, check type): every new community starts here.
def _today() -> date:
    return utcnow().date()


def check_day() -> date:
    """Today, as the checks' expiry dates count it."""
    return _today()


def required_checks(community: Community, category_key: str, kind: str = "") -> set[CheckType]:
    """Check types required to serve ``category_key`` (for ``kind``, when given)."""
    rows = db.session.scalars(
        select(CategoryRequirement.check_type).where(
            CategoryRequirement.community_id == community.id,
            CategoryRequirement.category_key == category_key,
            CategoryRequirement.kind.in_(["", kind]),
        )
    ).all()
    return set(rows)


def valid_checks(membership: Membership, today: date | None = None) -> set[CheckType]:
    today = today or _today()
    rows = db.session.scalars(
        select(SafeguardingCheck).where(SafeguardingCheck.membership_id == membership.id)
    ).all()
    return {row.check_type for row in rows if row.is_valid(today)}


def missing_checks(
    membership: Membership, category_key: str, kind: str = "", today: date | None = None
) -> list[CheckType]:
    """Required checks the member does not hold valid today, in a stable order."""
    needed = required_checks(membership.community, category_key, kind)
    missing = needed - valid_checks(membership, today)
    return [t for t in CheckType if t in missing]


def require_checks(
    membership: Membership, category_key: str, kind: str = "", *, field: str | None = None
) -> None:
    """Raise ``NotAllowed`` naming the missing checks, if any."""
    missing = missing_checks(membership, category_key, kind)
    if missing:
        names = join_list(CHECK_LABELS[t] for t in missing)
        raise NotAllowed(
            _l(
                "This needs safeguarding checks that are not on record or have expired: "
                "%(checks)s. A coordinator can record them.",
                checks=names,
            ),
            field=field,
        )


def _check_manager(actor: User, community: Community) -> None:
    if not permissions.can_manage_safeguarding(actor, community):
        raise NotAllowed()


def record_check(
    membership: Membership,
    *,
    actor: User,
    check_type: str,
    checked_on: date | None,
    expires_on: date | None,
    note: str | None = None,
) -> SafeguardingCheck:
    """A coordinator records a check they (or someone they name in the note) verified."""
    community = membership.community
    _check_manager(actor, community)
    try:
        kind = CheckType(check_type)
    except ValueError:
        raise InvalidInput(_l("Choose the type of check."), field="check_type") from None
    if not isinstance(checked_on, date):
        raise InvalidInput(_l("Enter the date of the check."), field="checked_on")
    if checked_on > _today():
        raise InvalidInput(_l("The date of the check cannot be in the future."), field="checked_on")
    if expires_on is not None and expires_on < checked_on:
        raise InvalidInput(_l("The expiry date must be after the check."), field="expires_on")
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidInput(_l("Use at most %(n)d characters.", n=MAX_NOTE), field="note")
    check = SafeguardingCheck(
        membership_id=membership.id,
        check_type=kind,
        checked_on=checked_on,
        expires_on=expires_on,
        verified_by_id=actor.id,
        note=note,
    )
    db.session.add(check)
    db.session.flush()
    audit.record(
        "safeguarding.check_record",
        actor=actor,
        community_id=community.id,
        obj=check,
        details={"type": kind.value, "membership_id": membership.id},
    )
    return check


def revoke_check(check: SafeguardingCheck, *, actor: User) -> SafeguardingCheck:
    community = check.membership.community
    _check_manager(actor, community)
    if check.revoked_at is None:
        check.revoked_at = utcnow()
        db.session.flush()
    audit.record("safeguarding.check_revoke", actor=actor, community_id=community.id, obj=check)
    return check


def checks_of(membership: Membership) -> list[SafeguardingCheck]:
    return list(
        db.session.scalars(
            select(SafeguardingCheck)
            .options(joinedload(SafeguardingCheck.verified_by))
            .where(SafeguardingCheck.membership_id == membership.id)
            .order_by(SafeguardingCheck.checked_on.desc(), SafeguardingCheck.id.desc())
        )
    )


def members_page(community: Community, *, page: int, per_page: int) -> Pagination:
    """One page of the community's active members, by member number (whose checks a
    coordinator opens)."""
    query = (
        select(Membership)
        .options(joinedload(Membership.user))
        .where(Membership.community_id == community.id, Membership.status == "active")
        .order_by(Membership.member_number)
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def expiring_checks(
    community: Community, *, days: int = EXPIRY_WARNING_DAYS, today: date | None = None
) -> list[SafeguardingCheck]:
    """Checks of active members that expire within ``days`` (or expired in that time) and
    have not been renewed (no other standing check of the same type lasts longer): for the
    coordinators' dashboard and their reminders."""
    today = today or _today()
    renewal = aliased(SafeguardingCheck)
    renewed = (
        select(renewal.id)
        .where(
            renewal.membership_id == SafeguardingCheck.membership_id,
            renewal.check_type == SafeguardingCheck.check_type,
            renewal.id != SafeguardingCheck.id,
            renewal.revoked_at.is_(None),
            or_(renewal.expires_on.is_(None), renewal.expires_on > SafeguardingCheck.expires_on),
        )
        .exists()
    )
    return list(
        db.session.scalars(
            select(SafeguardingCheck)
            .join(Membership, Membership.id == SafeguardingCheck.membership_id)
            .options(joinedload(SafeguardingCheck.membership).joinedload(Membership.user))
            .where(
                Membership.community_id == community.id,
                Membership.status == "active",
                SafeguardingCheck.revoked_at.is_(None),
                SafeguardingCheck.expires_on.is_not(None),
                SafeguardingCheck.expires_on >= today - timedelta(days=days),
                SafeguardingCheck.expires_on <= today + timedelta(days=days),
                ~renewed,
            )
            .order_by(SafeguardingCheck.expires_on, SafeguardingCheck.id)
        )
    )


def remind_expiring(*, now: datetime | None = None) -> int:
    """Tell each community's coordinators (``check_expiring``, in the inbox and by e-mail
    as each prefers) about every check the dashboard lists as expiring, once per check:
    ``expiry_notified_at`` is set by compare-and-set, so running the daily job again, or
    twice at once, tells nobody twice. Returns the number of checks notified."""
    now = now or utcnow()
    told = 0
    for community in db.session.scalars(select(Community).order_by(Community.id)).all():
        coordinators = None  # read once per community, when it has a check to announce
        for check in expiring_checks(community, today=now.date()):
            if check.expiry_notified_at is not None:
                continue
            claimed = changed(
                update(SafeguardingCheck)
                .where(
                    SafeguardingCheck.id == check.id,
                    SafeguardingCheck.expiry_notified_at.is_(None),
                )
                .values(expiry_notified_at=now)
                .execution_options(synchronize_session=False)
            )
            if not claimed:
                continue
            if coordinators is None:
                coordinators = notifications.coordinators_of(community)
            notifications.notify_all(
                coordinators,
                "check_expiring",
                community=community,
                object_type="safeguarding_checks",
                object_id=check.id,
            )
            told += 1
    return told


@dataclass(frozen=True)
class Requirement:
    category_key: str
    kind: str
    check_type: CheckType


def requirements(community: Community) -> list[Requirement]:
    rows = db.session.scalars(
        select(CategoryRequirement)
        .where(CategoryRequirement.community_id == community.id)
        .order_by(
            CategoryRequirement.category_key, CategoryRequirement.kind, CategoryRequirement.id
        )
    ).all()
    return [Requirement(r.category_key, r.kind, r.check_type) for r in rows]


def set_requirements(
    community: Community, *, actor: User, category_key: str, kind: str, check_types: list[str]
) -> list[CheckType]:
    """Replace the checks required for one category (and kind, "" for every kind)."""
    _check_manager(actor, community)
    valid_keys = {c.key for c in _categories(community)}
    if category_key not in valid_keys:
        raise InvalidInput(_l("Choose a category."), field="category_key")
    if kind and (category_key != "companionship" or kind not in set(CompanionshipKind)):
        raise InvalidInput(_l("Choose a kind of companionship."), field="kind")
    try:
        chosen = sorted({CheckType(t) for t in check_types})
    except ValueError:
        raise InvalidInput(_l("Choose the type of check."), field="check_types") from None
    db.session.execute(
        delete(CategoryRequirement).where(
            CategoryRequirement.community_id == community.id,
            CategoryRequirement.category_key == category_key,
            CategoryRequirement.kind == kind,
        )
    )
    db.session.add_all(
        CategoryRequirement(
            community_id=community.id, category_key=category_key, kind=kind, check_type=t
        )
        for t in chosen
    )
    db.session.flush()
    audit.record(
        "safeguarding.requirements_set",
        actor=actor,
        community_id=community.id,
        object_type="category_requirements",
        details={"category": category_key, "kind": kind, "checks": [t.value for t in chosen]},
    )
    return chosen


def _categories(community: Community):
    return categories.tree(community)
