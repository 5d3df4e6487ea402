"""The co-design board at the benchmark scale (issue 19): 2,000 proposals over the last two
years at every stage, each with its first revision (a third in Arabic), endorsements,
volunteers and comments. Called by ``generate``; rows written with its ``Writer``."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

PROPOSALS = 2_000
STAGES = ("proposed", "discussion", "adopted", "declined", "running", "retired")


def write(w: Any, community_id: int, members: int, first: int, rng: random.Random,
          text: Any, now: datetime | None = None) -> None:  # fmt: skip
    """``text(rng, arabic, n)`` makes ``n`` words; ``first`` is the first member's id."""
    now = now or datetime(2026, 11, 26, 12, tzinfo=UTC)

    def put(table: str, columns: list[str], rows: Any) -> None:
        # The loader takes values as each engine stores them (``stamp`` for moments).
        w.put(table, columns, (tuple(w.stamp(v) if isinstance(v, datetime) else v for v in row)
                               for row in rows))  # fmt: skip

    def proposal(n: int):
        stage = STAGES[n % len(STAGES)]
        created = now - timedelta(hours=9 * n)
        adopted = (
            created + timedelta(days=10) if stage in ("adopted", "running", "retired") else None
        )
        reason = "Not this year" if stage == "declined" else None
        proposer = first + (n * 17) % members
        return (n + 1, community_id, proposer, proposer, stage, reason, adopted, created)

    put("codesign_proposals", ["id", "community_id", "proposer_id", "created_by_id", "stage",
                                 "decline_reason", "adopted_at", "created_at"],
          (proposal(n) for n in range(PROPOSALS)))  # fmt: skip

    def revision(n: int):
        arabic = n % 3 == 0
        title, body = text(rng, arabic, 5), text(rng, arabic, 40)
        created = now - timedelta(hours=9 * n)
        return (n + 1, 1, first + (n * 17) % members, "" if arabic else title,
                title if arabic else "", "" if arabic else body, body if arabic else "",
                text(rng, arabic, 15), text(rng, arabic, 3), "weekly", "", "", created)  # fmt: skip

    put("codesign_revisions", ["proposal_id", "number", "author_id", "title_en", "title_ar",
                                 "description_en", "description_ar", "need", "audience",
                                 "frequency", "volunteers", "checks", "created_at"],
          (revision(n) for n in range(PROPOSALS)))  # fmt: skip
    put("codesign_endorsements", ["proposal_id", "membership_id", "created_at"],
          ((n + 1, first + (n * 31 + k * 101) % members, now - timedelta(hours=9 * n - k))
           for n in range(PROPOSALS) for k in range(n % 12)))  # fmt: skip
    put("codesign_volunteers", ["proposal_id", "membership_id", "minutes_per_week",
                                  "created_at"],
          ((n + 1, first + (n * 37 + k * 211) % members, 60, now - timedelta(hours=9 * n - k))
           for n in range(PROPOSALS) for k in range(n % 3)))  # fmt: skip
    put("codesign_comments", ["proposal_id", "author_id", "body", "created_at"],
          ((n + 1, first + (n * 41 + k * 307) % members, text(rng, n % 3 == 0, 20),
            now - timedelta(hours=9 * n - k))
           for n in range(PROPOSALS) for k in range(n % 4)))  # fmt: skip
