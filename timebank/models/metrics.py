"""The metrics cache every process shares: a version per community, bumped in the same
transaction as each posting, and each period's computed summary with the stamp it was
computed at (used when no Redis is configured for it)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from timebank.models.base import Base, utcnow


class MetricsStamp(Base):
    """How many postings a community's ledger has seen (any posting, reversal or pot
    movement): a summary computed at another version is never served."""

    __tablename__ = "metrics_stamps"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(default=0)


class MetricsSummary(Base):
    """One community's summary of one period, as JSON, valid while ``stamp`` is current.
    No foreign key: it is written on its own connection next to a request's transaction,
    which must never wait on a lock that transaction holds."""

    __tablename__ = "metrics_summaries"

    community_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    period: Mapped[str] = mapped_column(String(32), primary_key=True)
    stamp: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class MetricsMonthTotal(Base):
    """A read model of the ledger (DESIGN.md §10): the exchanges of one community dated in
    one month (``YYYY-MM``), counted by kind, status and category, with their minutes.
    Kept by database triggers on ``exchanges`` in the transaction of every write
    (``models/metrics_rollup_triggers.py``); checked and rebuilt by ``verify-ledger``
    (``services/metrics/rollups.py``). No foreign key, as for the summaries."""

    __tablename__ = "metrics_month_totals"

    community_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    exchanges: Mapped[int] = mapped_column(default=0)
    minutes: Mapped[int] = mapped_column(BigInteger, default=0)


class MetricsAccountMonth(Base):
    """A read model of the ledger: one account's counted exchanges (posted, of kind
    ``exchange`` or ``group``) dated in one month: minutes and exchanges given and
    received, and the first and last service date among them. Kept, checked and rebuilt
    as ``MetricsMonthTotal``; a row whose exchanges were all reversed stays, with zeros."""

    __tablename__ = "metrics_account_months"

    community_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    account_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    given: Mapped[int] = mapped_column(BigInteger, default=0)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    gave: Mapped[int] = mapped_column(default=0)  # exchanges as provider
    got: Mapped[int] = mapped_column(default=0)  # exchanges as recipient
    first_day: Mapped[date | None] = mapped_column(default=None)
    last_day: Mapped[date | None] = mapped_column(default=None)

    __table_args__ = (
        # An account's months in order (its first exchange up to a day).
        Index("ix_metrics_account_months_account", "account_id", "month"),
    )


class MetricsTie(Base):
    """A read model of the ledger: each pair of accounts that ever had a counted exchange
    (either direction; ``low`` the lower account id), with the service date of its first.
    A period's new ties are the pairs whose first exchange falls in it: one index range,
    not a probe of each pair's history. Kept, checked and rebuilt as ``MetricsMonthTotal``;
    ``first_day`` is empty once every exchange of the pair was reversed."""

    __tablename__ = "metrics_ties"

    community_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    low: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    high: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    first_day: Mapped[date | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_metrics_ties_first_day", "community_id", "first_day"),)


class PreparedReport(Base):
    """A report a coordinator asked to have prepared in the background: ``queued`` until
    the job has written its file (under the instance folder, named by ``token``), then
    ``ready``. The compare-and-set from queued to ready makes the job idempotent."""

    __tablename__ = "prepared_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(32))
    format: Mapped[str] = mapped_column(String(8))
    locale: Mapped[str] = mapped_column(String(8))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    filename: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(default=None)
