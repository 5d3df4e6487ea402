"""The rows of ``benchmarks generate``: who the members are, what they did over a year, and
what that left behind (issue 15). Written through ``bulkload.Loader``.

Ids are chosen here, not by the database: the users, memberships and accounts of the
members share one id each, starting at ``FIRST`` in the first community (so member 1005
is that community's first plain member and 1001 a coordinator, as ``pages`` expects)."""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from benchmarks.bulkload import Loader

END = date(2026, 11, 26)
START = END - timedelta(days=365)
FIRST = 1000
COORDINATORS = 5
CHUNK = 100_000
MINUTES = (30, 60, 60, 60, 90, 120, 120, 180)
WORDS_EN = (
    "garden", "lift", "shopping", "reading", "computer", "cooking", "repair", "walk",
    "company", "letters", "paint", "bike", "sewing", "tea", "music", "phone",
    "english", "maths", "ride", "dog",
)  # fmt: skip
WORDS_AR = (
    "حديقة", "توصيل", "تسوق", "قراءة", "حاسوب", "طبخ", "إصلاح", "مشي", "رفقة", "رسائل",
    "دهان", "دراجة", "خياطة", "شاي", "موسيقى", "هاتف", "إنجليزية", "رياضيات", "كلب", "زيارة",
)  # fmt: skip
# Each community's neighbourhoods (the managed list, in both languages); a seventh of the
# members and listings name none.
AREAS = (("Old Town", "البلدة القديمة"), ("Riverside", "ضفة النهر"), ("Hillside", "سفح التل"),
         ("Harbour", "الميناء"), ("Market", "السوق"), ("Station", "المحطة"), None)  # fmt: skip


def hood(c: Community, n: int) -> int | None:
    """The id of the neighbourhood the community's ``n``-th member or listing names."""
    k = n % len(AREAS)
    return None if AREAS[k] is None else c.id * len(AREAS) + k


STATES = ("active",) * 8 + ("closed", "expired")
NAMES_EN = (
    "Amy", "Ben", "Chloe", "Dan", "Emma", "Finn", "Grace", "Harry",
    "Isla", "Jack", "Kate", "Leo", "Maya", "Noah", "Ruby", "Sam",
)  # fmt: skip
NAMES_AR = (
    "أحمد", "فاطمة", "محمد", "مريم", "علي", "زينب", "عمر", "خديجة",
    "يوسف", "سارة", "حسن", "ليلى", "خالد", "نور", "سلمى", "طارق",
)  # fmt: skip


@dataclass
class Community:
    id: int
    first: int  # the first member's id
    size: int
    categories: list[int]  # category ids (listings)
    keys: list[str]  # top-level category keys (exchanges)
    arrangements: list[tuple[int, int, int]] = field(default_factory=list)  # (id, vol, rec)
    posted: int = 0

    def coordinator(self, rng: random.Random) -> int:
        return self.first + rng.randrange(COORDINATORS)


class Clock:
    """Timestamps as text in the loader's form: cheap for millions of rows."""

    def __init__(self, loader: Loader):
        self.suffix = "+00" if loader.pg else ".000000"
        self.times = [f"{m // 60:02d}:{m % 60:02d}:00" for m in range(1440)]

    def at(self, day: date, minute: int) -> str:
        return f"{day.isoformat()} {self.times[minute % 1440]}{self.suffix}"


def season(day: date) -> float:
    """How busy a day is: spring and autumn peaks, a summer and a year-end lull, quieter
    weekends (Friday and Saturday in the Arabic-speaking neighbourhoods, Sunday too)."""
    doy = day.timetuple().tm_yday
    weight = 1.0 + 0.3 * math.cos(2 * math.pi * (doy - 110) / 182.5)
    if day.month == 8:
        weight *= 0.6
    if (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 3):
        weight *= 0.5
    if day.weekday() >= 4:
        weight *= 0.75
    return weight


def days_of(exchanges: int) -> list[date]:
    """The service date of each exchange in id order: a year, by ``season``."""
    days = [START + timedelta(days=n + 1) for n in range((END - START).days)]
    cumulative = list(itertools.accumulate(season(d) for d in days))
    total = cumulative[-1]
    out: list[date] = []
    done = 0
    for day, upto in zip(days, cumulative, strict=True):
        count = round(exchanges * upto / total) - done
        out.extend([day] * count)
        done += count
    return out


def _text(rng: random.Random, arabic: bool, n: int) -> str:
    return " ".join(rng.choices(WORDS_AR if arabic else WORDS_EN, k=n))


def _texts(rng: random.Random, arabic: bool, words: int, count: int = 500) -> list[tuple]:
    """A pool of texts with their normalised search text (computing it per row would
    cost more than the whole load)."""
    from timebank.services.textsearch import index_text

    pool = []
    for _ in range(count):
        title, body = _text(rng, arabic, 4), _text(rng, arabic, words)
        pool.append((title, body, index_text(title), index_text(body), index_text(body, title)))
    return pool


def people(w: Loader, clock: Clock, places: list[Community], rng: random.Random) -> None:
    """Users, memberships (five coordinators each), profiles, a few applicants, the
    admission audit events and the volunteers' safeguarding checks."""
    from timebank.services.textsearch import name_key

    pools = {arabic: _texts(rng, arabic, 12) for arabic in (False, True)}
    users, memberships, profiles, events, checks = [], [], [], [], []
    for c in places:
        coordinator = c.first
        for n in range(c.size):
            i = c.first + n
            arabic = i % 3 == 0
            first = (NAMES_AR if arabic else NAMES_EN)[i % 16]
            name = f"{first} {i}"
            joined = START - timedelta(days=30 + (i * 7919) % 1500)
            at = clock.at(joined, 540 + i % 480)
            locale = "ar" if arabic else "en"
            users.append((i, f"member{i}@example.org", name, name_key(name), locale, w.false,
                          w.false, f"token{i:028d}", 0, at))  # fmt: skip
            role = "coordinator" if n < COORDINATORS else "member"
            memberships.append((i, i, c.id, role, "active", n + 1, at, at,
                                coordinator if n else None))  # fmt: skip
            _title, bio, _t, _b, search = rng.choice(pools[arabic])
            profiles.append((i, i, bio, hood(c, i), "ar,en" if arabic else "en", _title, search,
                             at))  # fmt: skip
            if n:
                events.append((at, coordinator, c.id, "member.approve", "memberships", i, "ok"))
            if n % 7 == 0 or n < COORDINATORS:  # volunteers with checks
                on = joined + timedelta(days=10)
                checks.append((i, "background", w.day(on), w.day(on + timedelta(days=1095)),
                               coordinator, clock.at(on, 600)))  # fmt: skip
                checks.append((i, "references", w.day(on), None, coordinator, clock.at(on, 610)))
                events.append((clock.at(on, 600), coordinator, c.id, "safeguarding.check_record",
                               "memberships", i, "ok"))  # fmt: skip
    w.put("users", ["id", "email", "display_name", "search_name", "locale", "is_admin",
                    "is_disabled", "session_token", "failed_logins", "created_at"],
          users)  # fmt: skip
    w.put("memberships", ["id", "user_id", "community_id", "role", "status", "member_number",
                          "created_at", "decided_at", "decided_by_id"], memberships)  # fmt: skip
    w.put("neighbourhoods", ["id", "community_id", "name_en", "name_ar", "active", "created_at"],
          ((c.id * len(AREAS) + k, c.id, en_ar[0], en_ar[1], w.true, clock.at(START, 480))
           for c in places for k, en_ar in enumerate(AREAS) if en_ar))  # fmt: skip
    w.put("profiles", ["id", "membership_id", "bio", "neighbourhood_id", "languages", "skills",
                       "search_text", "updated_at"], profiles)  # fmt: skip
    w.put("safeguarding_checks", ["membership_id", "check_type", "checked_on", "expires_on",
                                  "verified_by_id", "created_at"], checks)  # fmt: skip
    events.sort()
    w.put("audit_events", ["created_at", "actor_id", "community_id", "action", "object_type",
                           "object_id", "outcome"], events)  # fmt: skip
    applicants = []
    base = max(c.first + c.size for c in places)
    for k, c in enumerate(places):  # one applicant in a hundred members, waiting
        for n in range(max(1, c.size // 100)):
            applicants.append((base + k * 1000 + n, c))
    w.put("users", ["id", "email", "display_name", "search_name", "locale", "session_token",
                    "created_at"],
          ((i, f"applicant{i}@example.org", f"Applicant {i}", name_key(f"Applicant {i}"), "en",
            f"token{i:028d}", clock.at(END, 600)) for i, _c in applicants))  # fmt: skip
    w.put("memberships", ["id", "user_id", "community_id", "role", "status", "motivation",
                          "created_at"],
          ((i, i, c.id, "member", "applying", "I would like to help with gardening.",
            clock.at(END, 600)) for i, c in applicants))  # fmt: skip


def companionship(w: Loader, clock: Clock, places: list[Community], rng: random.Random) -> None:
    """Companionship requests (one per twenty members; half matched to a volunteer with a
    background check, the others open) and the arrangements the ledger's visits use."""
    requests, arrangements, events = [], [], []
    request_id = arrangement_id = 0
    kinds = ("home_visit", "call", "walk", "accompaniment", "shopping")
    visit_time = time(15) if w.pg else "15:00:00.000000"
    for c in places:
        volunteers = [c.first + n for n in range(0, c.size, 7)]
        for n in range(max(2, c.size // 20)):
            request_id += 1
            recipient = c.first + COORDINATORS + (n * 13) % max(1, c.size - COORDINATORS)
            matched = n % 2 == 0
            created = START - timedelta(days=5 + n % 200) if matched else END - timedelta(n % 60)
            requests.append((request_id, c.id, recipient, c.coordinator(rng), kinds[n % 5],
                             ("weekly", "fortnightly", "monthly")[n % 3],
                             "ar" if recipient % 3 == 0 else "en",
                             "matched" if matched else "open", clock.at(created, 600)))  # fmt: skip
            volunteer = volunteers[n % len(volunteers)]
            if not matched or volunteer == recipient:
                continue
            arrangement_id += 1
            coordinator = c.coordinator(rng)
            at = clock.at(created + timedelta(days=3), 660)
            # A visit day comes with its time, as the schedule form sets them (a day without
            # a time made the arrangement's page fail).
            arrangements.append((arrangement_id, c.id, request_id, volunteer, "active",
                                 coordinator, at, at, n % 7, visit_time,
                                 w.day(created)))  # fmt: skip
            c.arrangements.append((arrangement_id, volunteer, recipient))
            events.append((at, coordinator, c.id, "companionship.match",
                           "companionship_arrangements", arrangement_id, "ok"))  # fmt: skip
    w.put("companionship_requests", ["id", "community_id", "recipient_id", "requested_by_id",
                                     "kind", "frequency", "language", "status", "created_at"],
          requests)  # fmt: skip
    w.put("companionship_arrangements", ["id", "community_id", "request_id", "volunteer_id",
                                         "status", "confirmed_by_id", "confirmed_at",
                                         "created_at", "visit_weekday", "visit_time",
                                         "schedule_from"],
          arrangements)  # fmt: skip
    w.put("audit_events", ["created_at", "actor_id", "community_id", "action", "object_type",
                           "object_id", "outcome"], sorted(events))  # fmt: skip


def community_life(w: Loader, clock: Clock, places: list[Community], rng: random.Random) -> None:
    """Listings (ten per member: offers and requests, a third in Arabic, most active, some
    closed or expired), conversations with messages, and a long inbox for member 1005."""
    pools = {arabic: _texts(rng, arabic, 30) for arabic in (False, True)}
    listing_id = 0

    def listings():
        nonlocal listing_id
        for c in places:
            for n in range(10 * c.size):
                listing_id += 1
                owner = c.first + n % c.size
                arabic = owner % 3 == 0
                title, body, search_title, search_body, _ = rng.choice(pools[arabic])
                created = END - timedelta(days=n * 365 // (10 * c.size))
                state = STATES[listing_id % 10]
                if state == "expired" and (END - created).days <= 90:
                    state = "active"
                # Listings last 90 days; an active one older than that was renewed.
                renewed = None
                if state == "active" and (END - created).days > 80:
                    renewed = END - timedelta(days=n % 80)
                expires = (renewed or created) + timedelta(days=90)
                closed = clock.at(created + timedelta(days=20), 600) if state == "closed" else None
                yield (listing_id, c.id, owner, "offer" if n % 2 else "request", title, body,
                       c.categories[n % len(c.categories)], hood(c, n),
                       "ar" if arabic else "en", w.false, state, clock.at(created, 600),
                       clock.at(renewed or created, 600), renewed and clock.at(renewed, 600),
                       clock.at(expires, 600), closed, search_title, search_body)  # fmt: skip

    w.put("listings", ["id", "community_id", "owner_id", "kind", "title", "description",
                       "category_id", "neighbourhood_id", "language", "is_group", "status",
                       "created_at", "updated_at", "renewed_at", "expires_at", "closed_at",
                       "search_title", "search_body"], listings())  # fmt: skip
    conversations, messages = [], []
    now = clock.at(END, 720)
    cid = 0
    for c in places:
        for k in range(max(2, c.size // 2)):
            starter, other = c.first + k % c.size, c.first + (k * 7 + 1) % c.size
            if starter == other:
                continue
            cid += 1
            conversations.append((cid, c.id, starter, other, now, now))
            for m in range(4):
                author = (starter, other)[m % 2]
                sent = clock.at(END - timedelta(days=(k + m) % 90), 600 + m)
                messages.append((cid, author, _text(rng, author % 3 == 0, 10), sent))
    w.put("conversations", ["id", "community_id", "starter_id", "other_id", "last_message_at",
                            "created_at"], conversations)  # fmt: skip
    w.put("messages", ["conversation_id", "author_id", "body", "created_at"], messages)
    heavy, first = places[0].first + COORDINATORS, places[0]
    w.put("notifications", ["user_id", "community_id", "kind", "object_type", "object_id",
                            "created_at"],
          ((heavy, first.id, "exchange_decided", "exchanges", n + 1,
            clock.at(END - timedelta(days=n // 1440), 1439 - n % 1440))
           for n in range(3000)))  # fmt: skip
