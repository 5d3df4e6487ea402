"""Every access decision in one place. Routes call these, templates use them to hide
buttons, services re-check them. Deny by default."""

from __future__ import annotations

from timebank.models import Community, Listing, Membership, MembershipStatus, Role, User


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


# Listings, profiles and categories


def can_manage_categories(user: User | None, community: Community) -> bool:
    """Add, rename, merge and retire categories: coordinators."""
    return can_manage_members(user, community)


def can_post_listing(user: User | None, community: Community) -> bool:
    """Listings belong to a membership, so only active members post them."""
    return is_active_member(user, community)


def can_manage_listing(user: User | None, listing: Listing) -> bool:
    """Edit, pause, renew or close: the owner while an active member, or a coordinator
    (who may act for a member without internet)."""
    community = listing.community
    membership = membership_of(user, community)
    is_owner = membership is not None and membership.is_active and membership.id == listing.owner_id
    return is_owner or can_manage_members(user, community)


def can_see_private_profile(user: User | None, membership: Membership) -> bool:
    """Everything in a profile, whatever it hides: its owner and the coordinators."""
    return (user is not None and user.is_authenticated and user.id == membership.user_id) or (
        can_manage_members(user, membership.community)
    )
