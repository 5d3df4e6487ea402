"""Social-capital metrics and activity figures (DESIGN.md §6), read-only.

``api.dashboard(community, period)`` gives a period and the previous comparable one,
computed once for every process and host (``store``: Redis or the ``metrics_summaries``
table) under a stamp of the ledger's state that each posting bumps in its own transaction
(``services.metrics_stamps``), so a cached answer is never stale; ``api.refresh()`` (``flask
metrics refresh``) computes ahead what members will open. ``api.member(membership, period)``
gives one member's own figures. ``periods`` parses and names periods; ``results`` holds the
dataclasses every page, report and command reads."""
