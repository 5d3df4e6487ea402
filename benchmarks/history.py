"""A year of exchanges for ``benchmarks generate``: the ledger and what each decision left
behind (issue 15).

Exchanges are drawn in service-date order (``population.days_of``: seasonal), so entry ids
are chronological and each entry's running ``balance_after`` is computed here, in Python,
as are the accounts' cached balances, their last exchange dates (the read model
``verify-ledger`` checks) and each community's posting version (the metrics stamp).
Statuses as in a living bank: mostly confirmed by the other party, some through the
coordinators' approval, some rejected, cancelled or reversed, and the last fortnight's
still waiting. Activity is skewed, as in real time banks: a few members do much of the
giving. One exchange in twenty-five is a companionship visit of an active arrangement."""

from __future__ import annotations

import bisect
import itertools
import random
from datetime import timedelta

from benchmarks.bulkload import Loader
from benchmarks.population import CHUNK, END, MINUTES, Clock, Community, days_of

EXCHANGE_COLUMNS = ["id", "community_id", "kind", "status", "provider_account_id",
                    "recipient_account_id", "minutes", "service_date", "category",
                    "recorded_by_id", "confirmed_by_id", "confirmed_at", "decided_by_id",
                    "decided_at", "reverses_exchange_id", "idempotency_key", "payload_hash",
                    "approval_reasons", "created_at"]  # fmt: skip
AUDIT_COLUMNS = ["created_at", "actor_id", "community_id", "action", "object_type",
                 "object_id", "outcome"]  # fmt: skip
HASH = "0" * 64
DECISIONS = {"rejected": "exchange.reject", "cancelled": "exchange.cancel"}


class Ledger:
    """Running state while the exchanges are drawn."""

    def __init__(self, places: list[Community]):
        self.balance: dict[int, int] = {}
        self.lowest: dict[int, int] = {}
        self.last: dict[int, str] = {}
        for c in places:
            for a in range(c.first, c.first + c.size):
                self.balance[a] = self.lowest[a] = 0
        self.entry_id = 0
        # The metrics' monthly rollups (``services/metrics/rollups.py``), drawn here as the
        # triggers the loader holds back would have kept them.
        self.totals: dict[tuple, list[int]] = {}
        self.account_months: dict[tuple, list] = {}
        self.ties: dict[tuple[int, int, int], str] = {}  # (community, low, high) → first day

    def roll_up(self, rows: list[tuple]) -> None:
        """Add exchanges (rows in ``EXCHANGE_COLUMNS`` order) to the rollups."""
        totals, months, ties = self.totals, self.account_months, self.ties
        for _x, community, kind, status, p, r, minutes, day, category, *_rest in rows:
            month = day[:7]
            total = totals.setdefault((community, month, kind, status, category), [0, 0])
            total[0] += 1
            total[1] += minutes
            if status != "posted" or kind not in ("exchange", "group"):
                continue
            pair = (community, p, r) if p < r else (community, r, p)
            if pair not in ties or day < ties[pair]:
                ties[pair] = day
            for account, gave in ((p, 1), (r, 0)):
                row = months.get((community, month, account))
                if row is None:
                    months[(community, month, account)] = [0, 0, 0, 0, day, day]
                    row = months[(community, month, account)]
                row[1 - gave] += minutes
                row[3 - gave] += 1
                if day < row[4]:
                    row[4] = day
                if day > row[5]:
                    row[5] = day

    def write_rollups(self, w: Loader) -> None:
        if "metrics_month_totals" not in w.tables:  # an older schema
            return
        w.put("metrics_month_totals", ["community_id", "month", "kind", "status", "category",
                                       "exchanges", "minutes"],
              [(*key, *value) for key, value in self.totals.items()])  # fmt: skip
        w.put("metrics_account_months", ["community_id", "month", "account_id", "given",
                                         "received", "gave", "got", "first_day", "last_day"],
              [(*key, *value) for key, value in self.account_months.items()])  # fmt: skip
        w.put("metrics_ties", ["community_id", "low", "high", "first_day"],
              [(*key, day) for key, day in self.ties.items()])  # fmt: skip

    def legs(self, exchange_id: int, provider: int, recipient: int, minutes: int, at: str,
             day: str | None, out: list) -> None:  # fmt: skip
        """The two entries of a posting, in account-id order (the order postings lock)."""
        balance, lowest = self.balance, self.lowest
        for account, delta in sorted(((provider, minutes), (recipient, -minutes))):
            after = balance[account] + delta
            balance[account] = after
            if after < lowest[account]:
                lowest[account] = after
            self.entry_id += 1
            row = (self.entry_id, exchange_id, account, delta, after, at)
            out.append(row if day is None else (*row, day))


def exchanges(w: Loader, clock: Clock, places: list[Community], total: int,
              rng: random.Random) -> None:  # fmt: skip
    """Write ``total`` exchanges over the year with their entries, decisions' audit events,
    notifications and visits; then the members' accounts and the metrics stamps."""
    ledger = Ledger(places)
    dated = "service_date" in w.tables["entries"].c  # a later migration's column, if any
    entry_columns = ["id", "exchange_id", "account_id", "delta", "balance_after", "created_at"]
    if dated:
        entry_columns.append("service_date")
    sizes = list(itertools.accumulate(c.size for c in places))
    skew = list(itertools.accumulate(1.0 / (1 + (n % 997)) ** 0.8 for n in range(max(sizes))))
    recent = END - timedelta(days=14)
    days = days_of(total)
    random_, randrange, bisect_ = rng.random, rng.randrange, bisect.bisect
    exchange_id = 0
    for start in range(0, total, CHUNK):
        rows: list[tuple] = []
        entries: list[tuple] = []
        events: list[tuple] = []
        notes: list[tuple] = []
        visits: list[tuple] = []
        for n in range(start, min(total, start + CHUNK)):
            day = days[n]
            dstr = day.isoformat()
            c = places[bisect_(sizes, randrange(sizes[-1])) if len(places) > 1 else 0]
            exchange_id += 1
            x = exchange_id
            at = clock.at(day, 480 + (x * 37) % 720)
            minutes = MINUTES[x % len(MINUTES)]
            arrangement = None
            if c.arrangements and x % 25 == 0:
                arrangement, p, r = c.arrangements[x // 25 % len(c.arrangements)]
                category, minutes = "companionship", 60
            else:
                p = c.first + bisect_(skew, random_() * skew[c.size - 1])
                r = c.first + randrange(c.size)
                while r == p:
                    r = c.first + randrange(c.size)
                category = c.keys[x % len(c.keys)]
            key = f"bench-{x:010d}"
            roll = random_() if arrangement is None else 1.0
            if day > recent and roll < 0.05:  # still waiting: for the other party, or approval
                if roll < 0.03:
                    rows.append((x, c.id, "exchange", "recorded", p, r, minutes, dstr, category,
                                 p, None, None, None, None, None, key, HASH, None, at))  # fmt: skip
                else:
                    rows.append((x, c.id, "exchange", "awaiting_approval", p, r, minutes, dstr,
                                 category, p, r, at, None, None, None, key, HASH,
                                 "first_exchanges", at))  # fmt: skip
                events.append((at, p, c.id, "exchange.record", "exchanges", x, "ok"))
                continue
            if roll < 0.025:  # rejected by the other party, or cancelled by its recorder
                status, decider = ("rejected", r) if roll < 0.015 else ("cancelled", p)
                rows.append((x, c.id, "exchange", status, p, r, minutes, dstr, category, p, None,
                             None, decider, at, None, key, HASH, None, at))  # fmt: skip
                events.append((at, decider, c.id, DECISIONS[status], "exchanges", x, "ok"))
                continue
            approved = roll > 0.98
            decider = c.coordinator(rng) if approved else r
            status = "reversed" if 0.025 <= roll < 0.027 else "posted"
            reason = ("companionship" if arrangement else "above_minutes") if approved else None
            rows.append((x, c.id, "exchange", status, p, r, minutes, dstr, category, p, r, at,
                         decider, at, None, key, HASH, reason, at))  # fmt: skip
            ledger.legs(x, p, r, minutes, at, dstr if dated else None, entries)
            ledger.last[p] = ledger.last[r] = dstr
            action = "exchange.approve" if approved else "exchange.confirm"
            events.append((at, decider, c.id, action, "exchanges", x, "ok"))
            c.posted += 1
            if x % 10 == 0:
                notes.append((p, c.id, "exchange_decided", "exchanges", x, at,
                              at if day <= recent else None))  # fmt: skip
            if arrangement is not None:
                visits.append((arrangement, x, p, "concern" if x % 40 == 0 else "all_well", at))
            if status == "reversed":  # undone the same day by a coordinator
                exchange_id += 1
                coordinator = c.coordinator(rng)
                later = clock.at(day, 1300)
                rows.append((exchange_id, c.id, "reversal", "posted", r, p, minutes, dstr,
                             category, coordinator, None, None, coordinator, later, x,
                             f"bench-{exchange_id:010d}", HASH, None, later))  # fmt: skip
                ledger.legs(exchange_id, r, p, minutes, later, dstr if dated else None, entries)
                events.append((later, coordinator, c.id, "exchange.reverse", "exchanges", x, "ok"))
                c.posted += 1
        w.put("exchanges", EXCHANGE_COLUMNS, rows)
        ledger.roll_up(rows)
        w.put("entries", entry_columns, entries)
        w.put("audit_events", AUDIT_COLUMNS, events)
        w.put("notifications", ["user_id", "community_id", "kind", "object_type", "object_id",
                                "created_at", "read_at"], notes)  # fmt: skip
        w.put("companionship_visits", ["arrangement_id", "exchange_id", "logged_by_id",
                                       "wellbeing", "created_at"], visits)  # fmt: skip
    _accounts(w, clock, places, ledger)
    ledger.write_rollups(w)


def _accounts(w: Loader, clock: Clock, places: list[Community], ledger: Ledger) -> None:
    """Each member's account with its cached balance and last exchange date; a member whose
    balance went below the community's default limit has a limit set above it (as a
    coordinator would have done, with a reason)."""
    default = 600
    rows = []
    for c in places:
        for a in range(c.first, c.first + c.size):
            need = -ledger.lowest[a]
            limit = default if need <= default else -(-need // 600) * 600 + 600
            rows.append((a, c.id, a, "member", ledger.balance[a], limit,
                         w.true if limit > default else w.false,
                         "long-standing member" if limit > default else None,
                         ledger.last.get(a), clock.at(END, 0)))  # fmt: skip
    w.put("accounts", ["id", "community_id", "membership_id", "kind", "balance", "credit_limit",
                       "limits_overridden", "limit_reason", "last_exchange_on", "created_at"],
          rows)  # fmt: skip
    stamped = {r[0] for r in w.execute("SELECT community_id FROM metrics_stamps")}
    w.put("metrics_stamps", ["community_id", "version"],
          [(c.id, c.posted) for c in places if c.id not in stamped])  # fmt: skip
    for c in places:
        if c.id in stamped:
            w.execute("UPDATE metrics_stamps SET version = version + %s WHERE community_id = %s",
                      (c.posted, c.id))  # fmt: skip
        w.execute("UPDATE communities SET next_member_number = %s WHERE id = %s",
                  (c.size + 1, c.id))  # fmt: skip
