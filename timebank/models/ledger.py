"""The hour ledger: accounts, exchanges, their append-only entries, and erasable texts.

Double-entry in integer minutes (DESIGN.md §4). The database itself refuses what must never
happen: fractional or out-of-range minutes, self-exchange, zero legs, two legs on one account
for one exchange, a balance beyond its limits, a second reversal, a reused idempotency key,
decision fields set on an undecided exchange. ``entries`` are append-only (triggers in the
migration).

Status ``reversed`` is stored on the original exchange when a reversal exchange is posted
(compare-and-set from ``posted``); the reversal points back through ``reverses_exchange_id``,
which is unique, so an exchange is reversed at most once by two independent guards.
"""

from __future__ import annotations

import contextlib
import enum
import warnings
from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.functions import FunctionElement

from timebank.models.base import Base, enum_type, utcnow

# Hard upper bound on one movement, enforced by the database; each community sets its own
# lower maximum, enforced by the services.
MINUTES_CAP = 100_000


class WholeNumber(TypeDecorator):
    """An integer column that refuses anything but a Python ``int`` at bind time.

    PostgreSQL silently rounds a float parameter into an integer column (2.5 → 2) and
    SQLite would store it as a REAL; this refuses both before the statement is sent. The
    CHECKs below are the database's own guard against raw SQL."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        raise TypeError(f"whole number of minutes expected, got {type(value).__name__}")


class AccountKind(enum.StrEnum):
    MEMBER = "member"
    POT = "pot"


class ExchangeKind(enum.StrEnum):
    EXCHANGE = "exchange"
    DONATION = "donation"  # member → community pot
    GRANT = "grant"  # community pot → member
    GROUP = "group"  # one of several exchanges sharing a group_id, posted together
    SETTLEMENT = "settlement"  # balance to or from the pot when a member leaves
    REVERSAL = "reversal"  # the opposite of the exchange it reverses


class ExchangeStatus(enum.StrEnum):
    RECORDED = "recorded"  # waiting for the other party to confirm
    AWAITING_APPROVAL = "awaiting_approval"  # waiting for a coordinator
    POSTED = "posted"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REVERSED = "reversed"  # was posted; a reversal exchange undid it


PENDING_STATUSES = (ExchangeStatus.RECORDED, ExchangeStatus.AWAITING_APPROVAL)


class ApprovalCondition(enum.StrEnum):
    """One condition of a community's approval policy; any that holds sends an agreed
    exchange to the coordinators' queue (issue 14). The rules: services/ledger/rules.py."""

    ALWAYS = "always"
    ABOVE_MINUTES = "above_minutes"  # longer than the community's approval_above_minutes
    CATEGORIES = "categories"  # in one of the community's approval_categories
    COMPANIONSHIP = "companionship"
    LIMIT_CROSSED = "limit_crossed"  # would take a balance past a limit
    FIRST_EXCHANGES = "first_exchanges"  # one of a party's first approval_first_exchanges
    PROXY_OR_PAPER = "proxy_or_paper"  # recorded for a member by a proxy or a coordinator


class TextKind(enum.StrEnum):
    DESCRIPTION = "description"
    REJECTION = "rejection"
    CANCELLATION = "cancellation"
    REVERSAL = "reversal"


def _whole(column: str) -> str:
    # On SQLite an INTEGER column happily stores 2.5 or 'abc'; this refuses both.
    return f"{column} = CAST({column} AS INTEGER)"


class Account(Base):
    """One per membership, plus one community pot per community. ``balance`` is a cache
    of the entry sum (checked by ``verify-ledger``); no movement takes it past a limit
    (database triggers), though a coordinator may lower a limit below it."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id"), unique=True)
    kind: Mapped[AccountKind] = mapped_column(enum_type(AccountKind, "account_kind"))
    balance: Mapped[int] = mapped_column(WholeNumber, default=0, server_default=text("0"))
    credit_limit: Mapped[int] = mapped_column(WholeNumber, default=0, server_default=text("0"))
    upper_limit: Mapped[int | None] = mapped_column(WholeNumber)
    # True once a coordinator set this account's limits; community defaults then skip it.
    limits_overridden: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Erasable free text: why the limits were overridden (the audit event keeps figures).
    limit_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Read model: the latest service date of a posted (or since reversed) exchange this
    # account took part in; None if none. Kept in the posting's own UPDATE of the balance,
    # checked by ``verify-ledger``; the dashboard's "no exchange in 60 days" reads it.
    last_exchange_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint("credit_limit >= 0", name="credit_limit_non_negative"),
        CheckConstraint("upper_limit IS NULL OR upper_limit >= 0", name="upper_limit_non_negative"),
        # The limits themselves are held by triggers (models/limit_triggers.py, migration
        # t_ledger_1): a limit may be lowered below the balance, only new movements
        # towards it are refused.
        CheckConstraint(_whole("balance"), name="balance_whole"),
        CheckConstraint(
            "(kind = 'pot' AND membership_id IS NULL) OR "
            "(kind = 'member' AND membership_id IS NOT NULL)",
            name="pot_has_no_membership",
        ),
        Index(
            "uq_accounts_one_pot_per_community",
            "community_id",
            unique=True,
            sqlite_where=text("kind = 'pot'"),
            postgresql_where=text("kind = 'pot'"),
        ),
        Index("ix_accounts_community_last_exchange", "community_id", "last_exchange_on"),
    )


class Exchange(Base):
    """The business record of one movement of hours: the provider's account is credited,
    the recipient's debited. Its entries exist once (and only once) it is posted."""

    __tablename__ = "exchanges"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    kind: Mapped[ExchangeKind] = mapped_column(
        enum_type(ExchangeKind, "exchange_kind"), default=ExchangeKind.EXCHANGE
    )
    status: Mapped[ExchangeStatus] = mapped_column(enum_type(ExchangeStatus, "exchange_status"))
    provider_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    recipient_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    minutes: Mapped[int] = mapped_column(WholeNumber)
    service_date: Mapped[date] = mapped_column(Date)
    # A short key such as 'companionship'; a category table comes later.
    category: Mapped[str] = mapped_column(String(40))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    reverses_exchange_id: Mapped[int | None] = mapped_column(
        ForeignKey("exchanges.id"), unique=True
    )
    group_id: Mapped[int | None] = mapped_column(index=True)
    # The offer or request it was recorded from, if any (hours per listing and category).
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id"))
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    # Hash of the submitted fields: a replay with the same key must carry the same payload.
    payload_hash: Mapped[str] = mapped_column(String(64))
    # Which approval conditions sent it to the queue (comma-separated ApprovalCondition
    # values, in the order of the enum); None when none did.
    approval_reasons: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint(
            f"minutes BETWEEN 1 AND {MINUTES_CAP} AND {_whole('minutes')}", name="minutes_range"
        ),
        CheckConstraint("provider_account_id <> recipient_account_id", name="no_self_exchange"),
        CheckConstraint(
            "(status IN ('recorded', 'awaiting_approval')) = (decided_at IS NULL)",
            name="decided_at_when_decided",
        ),
        CheckConstraint(
            "decided_by_id IS NULL OR decided_at IS NOT NULL", name="decided_by_when_decided"
        ),
        CheckConstraint(
            "status IN ('recorded', 'awaiting_approval', 'expired') OR decided_by_id IS NOT NULL",
            name="decider_known",
        ),
        CheckConstraint(
            "(confirmed_by_id IS NULL) = (confirmed_at IS NULL)", name="confirmed_together"
        ),
        CheckConstraint(
            "(kind = 'reversal') = (reverses_exchange_id IS NOT NULL)",
            name="reversal_links_original",
        ),
        CheckConstraint("length(idempotency_key) >= 8", name="idempotency_key_length"),
        # The approval queue, oldest first, seeks in it by id: with ``id`` last, PostgreSQL
        # reads the queue in order from the index instead of walking the primary key from the
        # first exchange ever to the first waiting one (1.3 s at 1M exchanges). SQLite's
        # index ends with the rowid anyway.
        Index("ix_exchanges_community_status", "community_id", "status", "id"),
        # Metrics and reports (migration 0004): a community's exchanges by service date and
        # by category (companionship). Each pair's history: ``ix_exchanges_tie_date`` below.
        Index("ix_exchanges_community_service_date", "community_id", "service_date"),
        Index("ix_exchanges_community_category_date", "community_id", "category", "service_date"),
        # Each recipient's last visit of a category, read from the index alone (companionship
        # isolation looks at the whole history; migration 0011). Category first: with no
        # statistics, SQLite would otherwise scan it whole, as a covering index, for any
        # query on a community's exchanges instead of searching their dates.
        Index(
            "ix_exchanges_category_recipient",
            "category",
            "community_id",
            "recipient_account_id",
            "status",
            "kind",
            "service_date",
        ),
        # A listing's exchanges (its page). Partial: most exchanges come from no listing, and
        # SQLite's statistics count every NULL as one value, so a full index looked like a
        # million rows per listing after ANALYZE and the page read the whole community
        # instead (1.5 s at 1M exchanges). A posting without a listing writes no entry here.
        Index(
            "ix_exchanges_listing_id",
            "listing_id",
            sqlite_where=text("listing_id IS NOT NULL"),
            postgresql_where=text("listing_id IS NOT NULL"),
        ),
    )


class pair_low(FunctionElement):  # noqa: N801 (an SQL function)
    """The lower of two account ids: with ``pair_high``, a pair of members whichever way
    the hours went (a tie)."""

    type = Integer()
    inherit_cache = True


class pair_high(FunctionElement):  # noqa: N801
    type = Integer()
    inherit_cache = True


@compiles(pair_low)
def _low(element, compiler, **kw):
    return f"min({compiler.process(element.clauses, **kw)})"


@compiles(pair_low, "postgresql")
def _low_pg(element, compiler, **kw):
    return f"LEAST({compiler.process(element.clauses, **kw)})"


@compiles(pair_high)
def _high(element, compiler, **kw):
    return f"max({compiler.process(element.clauses, **kw)})"


@compiles(pair_high, "postgresql")
def _high_pg(element, compiler, **kw):
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


def tie_of(provider, recipient) -> tuple[pair_low, pair_high]:
    """(lower, higher) account id of an exchange's two sides, spelt as in
    ``ix_exchanges_tie_date`` so that queries can use it."""
    return pair_low(provider, recipient), pair_high(provider, recipient)


@contextlib.contextmanager
def expression_indexes_unreflected(dialect_name: str) -> Iterator[None]:
    """Autogenerate and ``flask db check`` on SQLite: SQLite cannot reflect expression
    indexes (``ix_exchanges_tie_date``), so they are not compared there and the warnings
    saying so are expected; PostgreSQL compares them."""
    with warnings.catch_warnings():
        if dialect_name == "sqlite":
            for message in (
                "Skipped unsupported reflection of expression-based index",
                "autogenerate skipping metadata-specified expression-based index",
            ):
                warnings.filterwarnings("ignore", message=message)
        yield


# Each pair's history in one range, whichever the direction (is this a new tie?), for the
# metrics (migration 0011).
Index(
    "ix_exchanges_tie_date",
    Exchange.community_id,
    *tie_of(Exchange.provider_account_id, Exchange.recipient_account_id),
    Exchange.service_date,
)


class Entry(Base):
    """One leg of a posted exchange. Append-only: never updated, never deleted."""

    __tablename__ = "entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    delta: Mapped[int] = mapped_column(WholeNumber)
    balance_after: Mapped[int] = mapped_column(WholeNumber)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The exchange's date of the service, copied at posting (exchanges never change it):
    # a statement reads in service-date order from this table's index alone.
    service_date: Mapped[date] = mapped_column(Date)

    __table_args__ = (
        UniqueConstraint("exchange_id", "account_id"),
        CheckConstraint(f"delta <> 0 AND {_whole('delta')}", name="delta_non_zero_whole"),
        CheckConstraint(_whole("balance_after"), name="balance_after_whole"),
        Index("ix_entries_account_id_id", "account_id", "id"),
        # Balances at a past date: today's balance less the entries after it (migration 0004).
        Index("ix_entries_created_at", "created_at"),
        # An account's balance at a past moment, summed from the index alone (migration 0011).
        Index("ix_entries_account_created", "account_id", "created_at", "delta"),
        # A statement's page seeks in service-date order (migration s_ledger3_1).
        Index("ix_entries_account_service_date", "account_id", "service_date", "id"),
    )


class ExchangeText(Base):
    """Free text about an exchange (description, reasons). Erasable, unlike the ledger."""

    __tablename__ = "exchange_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id"))
    kind: Mapped[TextKind] = mapped_column(enum_type(TextKind, "exchange_text_kind"))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("exchange_id", "kind"),)


__all__ = [
    "MINUTES_CAP",
    "Account",
    "AccountKind",
    "ApprovalCondition",
    "Exchange",
    "ExchangeKind",
    "ExchangeStatus",
    "ExchangeText",
    "Entry",
    "PENDING_STATUSES",
    "TextKind",
]
