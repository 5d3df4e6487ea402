"""One page of results for the ``pagination`` macro, for pages whose rows come from
selects that ``db.paginate`` cannot page (ranked search, multi-column statements), and
seek paging: page N costs what page 1 costs."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, func, literal, select, true, tuple_

from timebank.extensions import db


@dataclass
class Page:
    """What the ``pagination`` macro needs: the rows, the page number and the total.
    ``capped``: there are more than ``total`` rows, but only ``total`` can be paged through
    (a search stops counting at a bound, and says so)."""

    items: list[Any]
    page: int
    per_page: int
    total: int
    capped: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


# -- Seek paging -------------------------------------------------------------------------
#
# A deep page must cost like the first one (DESIGN.md §10). OFFSET on the page's own
# statement builds and throws away every skipped row, with its joins. Here the page's
# first sort key is found in the list's index alone (a covering index in the list's
# order: a few microseconds per skipped key, no row read), and the page itself seeks to
# that key and reads ``per_page`` rows. Page links keep their numbers.


def first_key(keys: Select, *, page: int, per_page: int) -> Row | None:
    """The sort key (a row of the columns ``keys`` selects, in the list's order) of the
    first row of ``page``; None past the end. One query on every page, the first too, so a
    page issues the same number of queries at any depth."""
    return db.session.execute(keys.offset((max(page, 1) - 1) * per_page).limit(1)).first()


def from_first_key(
    column: Any, keys: Select, *, page: int, per_page: int, descending: bool = True
) -> Any:
    """``from_key`` for a list ordered by one column in the same statement: ``column <=
    (the first key of the page)`` (``>=`` ascending), the key read by a subquery on the
    index. Page 1 too: the bound keeps the planner on the list's index whatever the
    statistics (without it SQLite may walk the whole table in rowid order)."""
    first = keys.offset((max(page, 1) - 1) * per_page).limit(1).scalar_subquery()
    return column <= first if descending else column >= first


def from_key(columns: Sequence[Any], key: Row | None, *, descending: bool = True) -> Any:
    """A WHERE clause for a list ordered by ``columns`` (all descending, or all ascending):
    the rows from ``key`` on (``true()`` when there is no key)."""
    if key is None:
        return true()
    left = columns[0] if len(columns) == 1 else tuple_(*columns)
    right = key[0] if len(columns) == 1 else tuple_(*(literal(v) for v in key))
    return left <= right if descending else left >= right


def capped_count(stmt: Select, cap: int) -> tuple[int, bool]:
    """How many rows ``stmt`` selects, counting at most ``cap`` + 1 of them: (the count, at
    most ``cap``; whether there are more). ``stmt`` keeps its order, so the planner reads
    the list's own index (with no order PostgreSQL may read the table from its start)."""
    limited = stmt.limit(cap + 1).subquery()
    found = db.session.scalar(select(func.count()).select_from(limited)) or 0
    return min(found, cap), found > cap
