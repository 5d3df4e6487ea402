"""Social-capital metrics and activity figures (DESIGN.md §6), read-only.

``dashboard(community, period)`` gives a period and the previous comparable one, cached
by the ledger's state so a cached answer is never stale; ``member(membership, period)``
gives one member's own figures. ``periods`` parses and names periods; ``results`` holds
the dataclasses every page, report and command reads."""

from timebank.services.metrics.api import (
    clear_cache,
    dashboard,
    ledger_state,
    member,
    no_participation,
    summary,
)
from timebank.services.metrics.periods import Period

__all__ = [
    "Period",
    "clear_cache",
    "dashboard",
    "ledger_state",
    "member",
    "no_participation",
    "summary",
]
