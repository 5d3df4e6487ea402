"""All models, imported here so Alembic and the app see the whole schema."""

from timebank.models.api_token import ApiToken
from timebank.models.audit import AuditEvent
from timebank.models.base import Base, utcnow
from timebank.models.codesign import (
    Proposal,
    ProposalComment,
    ProposalEndorsement,
    ProposalRevision,
    ProposalStage,
    ProposalVolunteer,
)
from timebank.models.community import Community, Membership, MembershipStatus, Role
from timebank.models.companionship import (
    Arrangement,
    ArrangementStatus,
    CategoryRequirement,
    CheckType,
    CompanionshipKind,
    CompanionshipRequest,
    Frequency,
    PlannedStatus,
    PlannedVisit,
    RequestStatus,
    SafeguardingCheck,
    Visit,
    VisitFeed,
    VolunteerAbsence,
    Wellbeing,
)
from timebank.models.coordination import Announcement, Proxy, VettingRecord, VettingStep
from timebank.models.ledger import (
    MINUTES_CAP,
    PENDING_STATUSES,
    Account,
    AccountKind,
    ApprovalCondition,
    Entry,
    Exchange,
    ExchangeKind,
    ExchangeStatus,
    ExchangeText,
    TextKind,
)
from timebank.models.listing import Category, Listing, ListingKind, ListingStatus
from timebank.models.mail import OutboxMessage
from timebank.models.messaging import (
    Conversation,
    DigestRun,
    Message,
    Notification,
    NotificationPreference,
    Report,
)
from timebank.models.metrics import MetricsStamp, MetricsSummary, PreparedReport
from timebank.models.neighbourhood import Neighbourhood
from timebank.models.profile import Profile
from timebank.models.user import RecoveryCode, User
from timebank.models.webhook import WebhookDelivery, WebhookEndpoint

__all__ = [
    "Proposal",
    "ProposalComment",
    "ProposalEndorsement",
    "ProposalRevision",
    "ProposalStage",
    "ProposalVolunteer",
    "WebhookDelivery",
    "WebhookEndpoint",
    "ApiToken",
    "Arrangement",
    "ArrangementStatus",
    "CategoryRequirement",
    "CheckType",
    "CompanionshipKind",
    "CompanionshipRequest",
    "Frequency",
    "PlannedStatus",
    "PlannedVisit",
    "RequestStatus",
    "SafeguardingCheck",
    "Visit",
    "VisitFeed",
    "VolunteerAbsence",
    "Wellbeing",
    "Conversation",
    "DigestRun",
    "Message",
    "Notification",
    "NotificationPreference",
    "Report",
    "Announcement",
    "Proxy",
    "VettingRecord",
    "VettingStep",
    "MINUTES_CAP",
    "PENDING_STATUSES",
    "Account",
    "AccountKind",
    "ApprovalCondition",
    "AuditEvent",
    "Entry",
    "Exchange",
    "ExchangeKind",
    "ExchangeStatus",
    "ExchangeText",
    "TextKind",
    "Base",
    "Category",
    "Community",
    "Listing",
    "ListingKind",
    "ListingStatus",
    "Membership",
    "Neighbourhood",
    "MembershipStatus",
    "OutboxMessage",
    "MetricsStamp",
    "MetricsSummary",
    "PreparedReport",
    "Profile",
    "Role",
    "RecoveryCode",
    "User",
    "utcnow",
]
