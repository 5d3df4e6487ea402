"""The generated community's companionship at scale (issue 19: the care dashboard's
budget at 3,000 arrangements), written by ``benchmarks.generate``.

3,000 matched requests with their arrangements (nine in ten active), in every frequency
(twice a week, weekly, fortnightly, monthly) with an agreed day and time; two logged
visits each, the latest between 0 and 40 days ago (so some recipients are possibly
isolated); and for one arrangement in ten a planned visit last week taken through the
escalation (reminded, offered to stand-ins, coordinators alerted), which the care
dashboard counts and the missed-visits page lists."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

ARRANGEMENTS = 3000
FREQUENCIES = ("weekly", "twice_weekly", "fortnightly", "monthly", "weekly")


def write(w: Any, community_id: int, members: int, first: int) -> None:
    """Requests, arrangements, visits (tied to existing exchanges) and planned visits."""
    now = datetime.now(UTC).replace(microsecond=0)
    raw_put = w.put

    def put(table: str, columns: list[str], rows: Any) -> None:
        # The loader takes values as each engine stores them (``stamp``, ``day``).
        def value(v: Any) -> Any:
            if isinstance(v, datetime):
                return w.stamp(v)
            return w.day(v) if isinstance(v, date) else v

        raw_put(table, columns, (tuple(value(v) for v in row) for row in rows))

    start = w.execute("SELECT coalesce(max(id), 0) FROM companionship_requests")[0][0] + 1
    exchanges = [r[0] for r in w.execute(
        "SELECT id FROM exchanges WHERE id NOT IN (SELECT exchange_id FROM companionship_visits) "
        f"ORDER BY id LIMIT {2 * ARRANGEMENTS}")]  # fmt: skip
    at = time(10) if w.pg else "10:00:00.000000"

    def recipient(n: int) -> int:
        return first + 10 + (n * 3) % (members - 10)

    def volunteer(n: int) -> int:
        return first + 10 + (n * 3 + 1 + 2 * (n % 7)) % (members - 10)

    put("companionship_requests", ["id", "community_id", "recipient_id", "requested_by_id",
                                     "kind", "frequency", "language", "status", "created_at"],
          ((start + n, community_id, recipient(n), first, "home_visit",
            FREQUENCIES[n % len(FREQUENCIES)], "ar" if n % 3 == 0 else "en", "matched",
            now - timedelta(days=60 + n % 300)) for n in range(ARRANGEMENTS)))  # fmt: skip

    def arrangement(n: int):
        matched = now - timedelta(days=45 + n % 300)
        twice = FREQUENCIES[n % len(FREQUENCIES)] == "twice_weekly"
        return (start + n, community_id, start + n, volunteer(n),
                "ended" if n % 10 == 9 else "active", first, matched, matched, n % 7,
                (n + 3) % 7 if twice else None, at, matched.date())  # fmt: skip

    put("companionship_arrangements", ["id", "community_id", "request_id", "volunteer_id",
                                         "status", "confirmed_by_id", "confirmed_at",
                                         "created_at", "visit_weekday", "visit_weekday2",
                                         "visit_time", "schedule_from"],
          (arrangement(n) for n in range(ARRANGEMENTS)))  # fmt: skip
    put("companionship_visits", ["arrangement_id", "exchange_id", "logged_by_id",
                                   "wellbeing", "created_at"],
          ((start + n, exchanges[2 * n + k], volunteer(n),
            "concern" if n % 50 == 0 and k else "all_well",
            now - timedelta(days=(n % 41) + 7 * (1 - k)))
           for n in range(min(ARRANGEMENTS, len(exchanges) // 2)) for k in (0, 1)))  # fmt: skip
    week_ago = (now - timedelta(days=7)).date()
    put("companionship_planned_visits", ["arrangement_id", "planned_on", "status",
                                           "reminded_at", "offered_at", "alerted_at",
                                           "created_at"],
          ((start + n, week_ago, "planned", now - timedelta(days=6), now - timedelta(days=5),
            now - timedelta(days=4), now - timedelta(days=6))
           for n in range(0, ARRANGEMENTS, 10)))  # fmt: skip
