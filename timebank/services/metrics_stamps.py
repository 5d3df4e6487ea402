"""Each community's posting version, for the metrics cache (``services.metrics.store``):
bumped in the posting's own transaction, so a summary cached under an older version is
never served once the posting is committed. An area of its own, importing only the models,
so the ledger can call it without depending on the metrics."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import bindparam, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from timebank.extensions import db
from timebank.models import Exchange, MetricsStamp


def touch(exchange_id: int) -> None:
    """Count one more posting in the community of ``exchange_id`` (call it inside the
    posting's transaction). One upsert; its row lock orders concurrent postings of a
    community, so every commit leaves a version no reader has seen before."""
    connection = db.session.connection()
    connection.execute(_touch(connection.dialect.name), {"exchange_id": exchange_id})


@cache
def _touch(dialect: str) -> Any:
    """The upsert, built once per engine (it runs on every posting)."""
    insert: Any = pg_insert if dialect == "postgresql" else sqlite_insert
    table = MetricsStamp.__table__
    statement = insert(table).from_select(
        ["community_id", "version"],
        select(Exchange.community_id, literal(1)).where(Exchange.id == bindparam("exchange_id")),
    )
    return statement.on_conflict_do_update(
        index_elements=["community_id"], set_={"version": table.c.version + 1}
    )


def version_of(community_id: int):
    """The version as a scalar subquery, to read with the other parts of a stamp."""
    return (
        select(MetricsStamp.version)
        .where(MetricsStamp.community_id == community_id)
        .scalar_subquery()
    )
