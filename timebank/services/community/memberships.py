"""Membership decisions: apply, approve, decline, change role; and the rule that a
community always keeps an active coordinator."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from timebank.database import changed
from timebank.extensions import db
from timebank.models import Community, Membership, MembershipStatus, Role, User, utcnow
from timebank.services import audit, permissions
from timebank.services.auth import users as accounts
from timebank.services.community import profiles, vetting
from timebank.services.exceptions import AlreadyDecided, InvalidInput, NotAllowed
from timebank.services.languages import join_list
from timebank.services.ledger import posting as ledger
from timebank.services.messaging import mail
from timebank.services.webhooks import events as webhooks

MAX_REASON_LENGTH = 1000
# Roles that coordinate a community (an admin can do all a coordinator can).
COORDINATING = (Role.COORDINATOR, Role.ADMIN)


def keep_a_coordinator(membership: Membership, *, field: str | None = None) -> None:
    """Refuse to let a community lose its last active coordinator: call it before a change
    that ends ``membership``'s coordinating (a demotion, a suspension, leaving, erasure).
    The community's row is locked first (SQLite's write transactions are serial already),
    so two coordinators demoting each other at the same moment leave one of them.
    Raises ``InvalidInput`` saying what to do first."""
    if membership.role not in COORDINATING or membership.status != MembershipStatus.ACTIVE:
        return
    db.session.execute(
        select(Community.id).where(Community.id == membership.community_id).with_for_update()
    )
    others = db.session.scalar(
        select(func.count()).where(
            Membership.community_id == membership.community_id,
            Membership.id != membership.id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.role.in_(COORDINATING),
        )
    )
    if not others:
        raise InvalidInput(
            _l(
                "This is the community's last active coordinator. Appoint another "
                "coordinator first, then try again."
            ),
            field=field,
        )


def apply(user: User, community: Community, *, motivation: str | None) -> Membership:
    """An existing user applies to another community; the coordinators are told. Audited
    (``membership.apply``)."""
    if not community.accepting_applications:
        raise InvalidInput(_l("This community is not accepting applications."))
    if user.membership_in(community.id) is not None:
        raise InvalidInput(_l("You have already applied to or joined this community."))
    return accounts.application(user, community, motivation=motivation)


def active_page(community: Community, *, page: int, per_page: int) -> Pagination:
    """One page of the community's active members, by member number (the member list)."""
    query = (
        select(Membership)
        .options(joinedload(Membership.user))
        .where(
            Membership.community_id == community.id, Membership.status == MembershipStatus.ACTIVE
        )
        .order_by(Membership.member_number)
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def applicants_page(community: Community, *, page: int, per_page: int) -> Pagination:
    """One page of the people applying to ``community``, oldest application first."""
    query = (
        select(Membership)
        .options(joinedload(Membership.user))
        .where(
            Membership.community_id == community.id, Membership.status == MembershipStatus.APPLYING
        )
        .order_by(Membership.created_at)
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def by_number(community: Community, number: str) -> Membership | None:
    """The membership of ``community`` with this member number (typed as digits), if any."""
    if not number.isdecimal():
        return None
    return db.session.scalar(
        select(Membership).where(
            Membership.community_id == community.id, Membership.member_number == int(number)
        )
    )


def allocate_member_number(community: Community) -> int:
    """Next member number, taken with a relative update so two approvals never share one."""
    new_next = db.session.execute(
        update(Community)
        .where(Community.id == community.id)
        .values(next_member_number=Community.next_member_number + 1)
        .returning(Community.next_member_number)
    ).scalar_one()
    return new_next - 1


def _decide(
    membership: Membership, *, actor: User, to: MembershipStatus, reason: str | None
) -> None:
    # Compare-and-set: only one coordinator's decision on an applicant wins.
    values: dict = {
        "status": to,
        "decided_at": utcnow(),
        "decided_by_id": actor.id,
        "decision_reason": reason,
    }
    if to == MembershipStatus.ACTIVE:
        values["member_number"] = allocate_member_number(membership.community)
    result = changed(
        update(Membership)
        .where(Membership.id == membership.id, Membership.status == MembershipStatus.APPLYING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result != 1:
        raise AlreadyDecided()
    db.session.refresh(membership)


def approve(membership: Membership, *, actor: User) -> Membership:
    """A coordinator admits an applicant: status *active* and a member number. Raises
    ``NotAllowed`` for non-coordinators, ``InvalidInput`` while a required vetting step is
    not ticked, ``AlreadyDecided`` if someone decided first."""
    community = membership.community
    if not permissions.can_manage_members(actor, community):
        raise NotAllowed()
    missing = vetting.missing_required(membership)
    if missing and membership.status == MembershipStatus.APPLYING:
        raise InvalidInput(
            _l(
                "Tick the required vetting steps first: %(steps)s.",
                steps=join_list(s.display_name(community.locale) for s in missing),
            ),
            field="vetting",
        )
    _decide(membership, actor=actor, to=MembershipStatus.ACTIVE, reason=None)
    profiles.ensure(membership)
    audit.record(
        "membership.approve",
        actor=actor,
        community_id=community.id,
        obj=membership,
        details={"member_number": membership.member_number},
    )
    webhooks.member_joined(membership)
    locale = membership.user.locale or community.locale
    with force_locale(locale):
        mail.queue(
            membership.user,
            _("Welcome to %(c)s", c=community.display_name(locale)),
            _(
                "Your application to %(c)s was approved. Your member number is "
                "%(n)d. You can now log in and take part.",
                c=community.display_name(locale),
                n=membership.member_number,
            ),
            community_id=community.id,
        )
    return membership


def decline(membership: Membership, *, actor: User, reason: str) -> Membership:
    """Decline an applicant with a reason the applicant sees. Audited."""
    community = membership.community
    if not permissions.can_manage_members(actor, community):
        raise NotAllowed()
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Give the applicant a reason."), field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput(_l("Use at most %(n)d characters.", n=MAX_REASON_LENGTH), field="reason")
    _decide(membership, actor=actor, to=MembershipStatus.DECLINED, reason=reason)
    audit.record("membership.decline", actor=actor, community_id=community.id, obj=membership)
    locale = membership.user.locale or community.locale
    with force_locale(locale):
        mail.queue(
            membership.user,
            _("Your application to %(c)s", c=community.display_name(locale)),
            _(
                "Your application to %(c)s was not accepted. The coordinator wrote:\n\n%(reason)s",
                c=community.display_name(locale),
                reason=reason,
            ),
            community_id=community.id,
        )
    return membership


def set_role(membership: Membership, role: Role, *, actor: User) -> Membership:
    """Change a member's role (installation admins and community admins only). Audited."""
    community = membership.community
    if not permissions.can_change_roles(actor, community):
        raise NotAllowed()
    if membership.status != MembershipStatus.ACTIVE:
        raise InvalidInput(_l("Only active members can be given a role."), field="role")
    if membership.role == role:
        return membership
    if role not in COORDINATING:
        keep_a_coordinator(membership, field="role")
    previous = membership.role
    membership.role = role
    db.session.flush()
    audit.record(
        "membership.role_change",
        actor=actor,
        community_id=community.id,
        obj=membership,
        details={"from": previous.value, "to": role.value},
    )
    return membership


def create_member(
    community: Community,
    *,
    actor: User,
    display_name: str,
    email: str | None = None,
    phone: str | None = None,
    locale: str | None = None,
) -> Membership:
    """A coordinator registers someone at the office: an active member at once, with or
    without an e-mail address (no password: with an address they can set one through
    "forgot password"; without one, proxies and coordinators act for them). Raises
    ``NotAllowed`` or ``InvalidInput``. Audit: ``membership.create``."""
    if not permissions.can_manage_members(actor, community):
        raise NotAllowed()
    display_name = (display_name or "").strip()
    if not display_name:
        raise InvalidInput(_l("Enter the person's name."), field="display_name")
    if len(display_name) > profiles.MAX_NAME:
        raise InvalidInput(
            _l("Use at most %(n)d characters.", n=profiles.MAX_NAME), field="display_name"
        )
    if email and "@" not in email:
        raise InvalidInput(_l("Enter a valid e-mail address or leave it empty."), field="email")
    user = accounts.create_user(
        email=email or None, display_name=display_name, password=None, locale=locale
    )
    user.phone = (phone or "").strip() or None
    membership = Membership(
        user=user,
        community=community,
        status=MembershipStatus.ACTIVE,
        member_number=allocate_member_number(community),
        decided_at=utcnow(),
        decided_by_id=actor.id,
    )
    db.session.add(membership)
    db.session.flush()
    profiles.ensure(membership)
    ledger.ensure_account(membership)
    audit.record(
        "membership.create",
        actor=actor,
        community_id=community.id,
        obj=membership,
        details={"member_number": membership.member_number, "email": bool(user.email)},
    )
    webhooks.member_joined(membership)
    return membership
