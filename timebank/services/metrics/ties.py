"""The pairs of members who exchanged in a period: the edges of the period's graph, and
whether each tie is new. Counted activity as in ``queries.counted``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from sqlalchemy import case, func, literal, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import aliased

from timebank.models import Exchange, ExchangeStatus
from timebank.models.ledger import tie_of
from timebank.services.metrics import queries
from timebank.services.metrics.queries import COUNTED_KINDS, counted


class Tie(NamedTuple):
    low: int  # the lower account id of the pair
    high: int
    forward: int  # exchanges low → high in the period
    backward: int  # exchanges high → low in the period
    new: int  # 1 when neither had exchanged with the other before the period


def ties(community_id: int, start: date, end: date, *, fresh: bool = True) -> Sequence[Row]:
    """One row per pair of accounts that exchanged in the period (either direction), shaped
    as ``Tie``, with the exchanges each way and whether the tie is new: one sort of the
    period's exchanges, and one probe per pair of its history in ``ix_exchanges_tie_date``.
    Plain rows, not ``Tie`` objects: there is one per pair. ``fresh=False``: no probes,
    ``new`` is 0 (the caller counts the new ties from ``rollups.new_ties``)."""
    provider, recipient = Exchange.provider_account_id, Exchange.recipient_account_id
    ascending = provider < recipient
    # Spelt unlike ``tie_of`` on purpose: grouping by the indexed expressions would make
    # SQLite read the community's whole history in index order to skip one sort.
    low = case((ascending, provider), else_=recipient)
    high = case((ascending, recipient), else_=provider)
    pairs = (
        select(
            low.label("low"),
            high.label("high"),
            func.sum(case((ascending, 1), else_=0)).label("forward"),
            func.sum(case((ascending, 0), else_=1)).label("backward"),
        )
        .where(counted(community_id, start, end))
        .group_by(low, high)
        .subquery()
    )
    earlier = aliased(Exchange)
    earlier_low, earlier_high = tie_of(earlier.provider_account_id, earlier.recipient_account_id)
    exchanged_before = (
        select(earlier.id)
        .where(
            earlier.community_id == community_id,
            earlier_low == pairs.c.low,
            earlier_high == pairs.c.high,
            earlier.service_date < start,
            earlier.status == ExchangeStatus.POSTED,
            earlier.kind.in_(COUNTED_KINDS),
        )
        .exists()
    )
    new = case((exchanged_before, 0), else_=1) if fresh else literal(0)
    return queries.plain_rows(
        select(pairs.c.low, pairs.c.high, pairs.c.forward, pairs.c.backward, new)
    )
