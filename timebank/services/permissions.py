"""Every access decision in one place. Routes call these, templates use them to hide
buttons, services re-check them. Deny by default."""

from __future__ import annotations

from timebank.models import Community, Membership, MembershipStatus, Role, User


def is_site_admin(user: User | None) -> bool:
    return bool(
        user is not None and user.is_authenticated and user.is_admin and not user.is_disabled
    )


def membership_of(user: User | None, community: Community) -> Membership | None:
    if user is None or not user.is_authenticated:
        return None
    return user.membership_in(community.id)


def is_active_member(user: User | None, community: Community) -> bool:
    membership = membership_of(user, community)
    return membership is not None and membership.status == MembershipStatus.ACTIVE


def can_view_community(user: User | None, community: Community) -> bool:
    """Member pages are for active members (and installation admins)."""
    return is_site_admin(user) or is_active_member(user, community)


def is_coordinator(user: User | None, community: Community) -> bool:
    membership = membership_of(user, community)
    return membership is not None and membership.is_coordinator


def can_manage_members(user: User | None, community: Community) -> bool:
    """Approve or decline applicants, read the community's outbox."""
    return is_site_admin(user) or is_coordinator(user, community)


def can_change_roles(user: User | None, community: Community) -> bool:
    membership = membership_of(user, community)
    return is_site_admin(user) or (
        membership is not None and membership.is_active and membership.role == Role.ADMIN
    )


def can_read_outbox(user: User | None, community: Community | None) -> bool:
    if community is None:
        return is_site_admin(user)
    return can_manage_members(user, community)


# -- The hour ledger ------------------------------------------------------------------


def can_record_exchange(user: User | None, community: Community) -> bool:
    """Active members record their own exchanges."""
    return is_active_member(user, community)


def can_act_for_members(user: User | None, community: Community) -> bool:
    """Coordinators record on behalf of members, grant from the pot, record group
    exchanges, set limits and edit the exchange policy."""
    return is_site_admin(user) or is_coordinator(user, community)


def can_decide_as_coordinator(user: User | None, community: Community, party_ids: set) -> bool:
    """Approve, reject from the queue, or reverse: a coordinator who is not a party
    (segregation of duties, DESIGN.md §4 promise 12)."""
    if user is None or not user.is_authenticated or user.id in party_ids:
        return False
    return can_act_for_members(user, community)


# -- Metrics and reports --------------------------------------------------------------


def can_view_metrics(user: User | None, community: Community) -> bool:
    """Coordinators and admins always; members when the community has switched on their
    (reduced) view of the dashboard."""
    if can_manage_members(user, community):
        return True
    return community.members_see_metrics and is_active_member(user, community)


def can_produce_reports(user: User | None, community: Community) -> bool:
    """Reports and exports name members: coordinators and admins only."""
    return can_manage_members(user, community)
