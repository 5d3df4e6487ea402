"""Social-capital metrics and activity figures (DESIGN.md §6), read-only.

``api.dashboard(community, period)`` gives a period and the previous comparable one, cached
by the ledger's state so a cached answer is never stale; ``api.member(membership, period)``
gives one member's own figures. ``periods`` parses and names periods; ``results`` holds
the dataclasses every page, report and command reads."""
