"""The metrics cache every process shares: a version per community, bumped in the same
transaction as each posting, and each period's computed summary with the stamp it was
computed at (used when no Redis is configured for it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
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
