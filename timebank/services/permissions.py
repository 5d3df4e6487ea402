"""Every access decision in one place. Routes call these, templates use them to hide
buttons, services re-check them. Deny by default."""

from __future__ import annotations

from sqlalchemy import select

from timebank.extensions import db
from timebank.models import (
    Arrangement,
    ArrangementStatus,
    Community,
    Conversation,
    Listing,
    Membership,
    MembershipStatus,
    Proxy,
    Role,
    User,
)
from timebank.services.ledger.checks import other_party_user_id, party_user_ids


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


def must_set_up_second_factor(user: User | None, community: Community) -> bool:
    """A coordinator or admin of a community that requires two-factor sign-in (or an
    installation admin looking at it) who has not set it up yet: none of the community's
    pages open to them until they have (their coordinator powers reach member pages too:
    any exchange, acting for a member, private profiles)."""
    if user is None or not user.is_authenticated or not community.require_two_factor:
        return False
    if user.two_factor_enabled:
        return False
    return is_site_admin(user) or is_coordinator(user, community)


def can_change_roles(user: User | None, community: Community) -> bool:
    membership = membership_of(user, community)
    return is_site_admin(user) or (
        membership is not None and membership.is_active and membership.role == Role.ADMIN
    )


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


def can_view_exchange(user: User | None, community: Community, party_ids: set) -> bool:
    """An exchange's details are for its two parties and the community's coordinators."""
    if user is None or not user.is_authenticated:
        return False
    return user.id in party_ids or can_act_for_members(user, community)


def _exchange_context(exchange) -> tuple[Community, set]:
    return db.session.get_one(Community, exchange.community_id), party_user_ids(exchange)


def can_confirm(user: User | None, exchange) -> bool:
    """The other party of a recorded exchange (for the Confirm button)."""
    return (
        user is not None
        and exchange.status == "recorded"
        and user.id == other_party_user_id(exchange)
    )


def can_confirm_as_coordinator(user: User | None, exchange) -> bool:
    """A coordinator who is not a party, on a recorded exchange: they may decide it in place
    of the missing confirmation (a coordinator decision, docs/consent.md)."""
    if user is None or exchange.status != "recorded" or exchange.kind != "exchange":
        return False
    community, party_ids = _exchange_context(exchange)
    return can_decide_as_coordinator(user, community, party_ids)


def can_cancel(user: User | None, exchange) -> bool:
    """Whoever recorded it, while it is still pending."""
    return (
        user is not None
        and exchange.status in ("recorded", "awaiting_approval")
        and user.id == exchange.recorded_by_id
    )


def can_reject(user: User | None, exchange) -> bool:
    """The other party while recorded, or a coordinator who is not a party while pending."""
    if user is None or exchange.status not in ("recorded", "awaiting_approval"):
        return False
    if can_confirm(user, exchange):
        return True
    community, party_ids = _exchange_context(exchange)
    return can_decide_as_coordinator(user, community, party_ids)


def can_approve(user: User | None, exchange) -> bool:
    """A coordinator who is not a party, while the exchange awaits approval."""
    if user is None or exchange.status != "awaiting_approval":
        return False
    community, party_ids = _exchange_context(exchange)
    return can_decide_as_coordinator(user, community, party_ids)


def can_reverse(user: User | None, exchange) -> bool:
    """A coordinator who is not a party, on a posted exchange that is not a reversal."""
    if user is None or exchange.status != "posted" or exchange.kind == "reversal":
        return False
    community, party_ids = _exchange_context(exchange)
    return can_decide_as_coordinator(user, community, party_ids)


# Listings, profiles and categories


def can_manage_categories(user: User | None, community: Community) -> bool:
    """Add, rename, merge and retire categories: coordinators."""
    return can_manage_members(user, community)


def can_manage_neighbourhoods(user: User | None, community: Community) -> bool:
    """Add, rename, retire and restore the community's neighbourhoods: coordinators."""
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


# The co-design board


def can_propose_for(user: User | None, member: Membership) -> bool:
    """Propose a service as ``member``: the member themselves while active, their proxy,
    or a coordinator."""
    own = membership_of(user, member.community)
    is_self = own is not None and own.is_active and own.id == member.id
    return is_self or can_act_for(user, member)


def can_revise_proposal(user: User | None, proposer: Membership) -> bool:
    """Revise a proposal: its proposer (or whoever may propose for them) and coordinators."""
    return can_propose_for(user, proposer) or can_manage_members(user, proposer.community)


def can_decide_proposals(user: User | None, community: Community) -> bool:
    """Move proposals through their stages, decline and adopt them: coordinators."""
    return can_manage_members(user, community)


# Companionship, safeguarding, conversations


def can_manage_safeguarding(user: User | None, community: Community) -> bool:
    """Record and revoke checks, set category requirements, match requests: coordinators."""
    return can_manage_members(user, community)


# Proxies (members without internet) and the coordinator console


def is_proxy_for(user: User | None, member: Membership) -> bool:
    """An appointed, current proxy of an active ``member``, themselves an active member of
    the same community (coordinators act for everyone through ``can_act_for_members``)."""
    if user is None or not user.is_authenticated or not member.is_active:
        return False
    own = membership_of(user, member.community)
    if own is None or not own.is_active:
        return False
    return (
        db.session.scalar(
            select(Proxy.id).where(
                Proxy.member_id == member.id,
                Proxy.proxy_id == own.id,
                Proxy.ended_at.is_(None),
            )
        )
        is not None
    )


def can_act_for(user: User | None, member: Membership) -> bool:
    """Record, confirm and post listings for ``member``: a coordinator or their proxy."""
    return can_act_for_members(user, member.community) or is_proxy_for(user, member)


# Companionship


def can_log_visit(user: User | None, arrangement: Arrangement) -> bool:
    """The volunteer of an active arrangement, or a safeguarding manager."""
    if user is None or arrangement.status != ArrangementStatus.ACTIVE:
        return False
    community = arrangement.request.recipient.community
    return arrangement.volunteer.user_id == user.id or can_manage_safeguarding(user, community)


def can_edit_schedule(user: User | None, arrangement: Arrangement) -> bool:
    """The volunteer of an active arrangement, or a safeguarding manager (issue 19)."""
    return can_log_visit(user, arrangement)


def can_view_arrangement(user: User | None, arrangement: Arrangement) -> bool:
    """The volunteer, the visited member and safeguarding managers."""
    community = arrangement.request.recipient.community
    return user is not None and (
        user.id in (arrangement.volunteer.user_id, arrangement.request.recipient.user_id)
        or can_manage_safeguarding(user, community)
    )


# Conversations


def is_conversation_party(user: User | None, conversation: Conversation) -> bool:
    """One of the conversation's two members."""
    if user is None or not user.is_authenticated:
        return False
    ids = db.session.scalars(
        select(Membership.user_id).where(
            Membership.id.in_([conversation.starter_id, conversation.other_id])
        )
    ).all()
    return user.id in ids


def can_read_conversation(user: User | None, conversation: Conversation) -> bool:
    """The two members; coordinators only once a report or concern opened it to them."""
    if is_conversation_party(user, conversation):
        return True
    community = db.session.get_one(Community, conversation.community_id)
    return conversation.opened_to_coordinators_at is not None and (
        can_manage_members(user, community)
    )
