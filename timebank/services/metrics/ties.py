"""The pairs of members who exchanged in a period: the edges of the period's graph, and
whether each tie is new. Counted activity as in ``queries.counted``."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from timebank.extensions import db
from timebank.models import Exchange, ExchangeStatus
from timebank.services.metrics.queries import COUNTED_KINDS, counted


class Tie(NamedTuple):
    low: int  # the lower account id of the pair
    high: int
    forward: int  # exchanges low → high in the period
    backward: int  # exchanges high → low in the period
    new: int  # 1 when neither had exchanged with the other before the period


def ties(community_id: int, start: date, end: date) -> list[Tie]:
    """One row per pair of accounts that exchanged in the period (either direction), with
    the exchanges each way and whether the tie is new: one sort of the period's
    exchanges, and two probes of the pair's history in ``ix_exchanges_pair_date``."""
    provider, recipient = Exchange.provider_account_id, Exchange.recipient_account_id
    ascending = provider < recipient
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

    def exchanged_before(giver, receiver):
        return (
            select(earlier.id)
            .where(
                earlier.provider_account_id == giver,
                earlier.recipient_account_id == receiver,
                earlier.service_date < start,
                earlier.community_id == community_id,
                earlier.status == ExchangeStatus.POSTED,
                earlier.kind.in_(COUNTED_KINDS),
            )
            .exists()
        )

    first_time = and_(
        ~exchanged_before(pairs.c.low, pairs.c.high),
        ~exchanged_before(pairs.c.high, pairs.c.low),
    )
    rows = db.session.execute(
        select(
            pairs.c.low,
            pairs.c.high,
            pairs.c.forward,
            pairs.c.backward,
            case((first_time, 1), else_=0),
        )
    )
    return [Tie(*row) for row in rows]
