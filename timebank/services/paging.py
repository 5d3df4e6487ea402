"""One page of results for the ``pagination`` macro, for pages whose rows come from
selects that ``db.paginate`` cannot page (ranked search, multi-column statements)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


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
