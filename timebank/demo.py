"""The demo community loaded by ``flask --app timebank demo`` (README lists the accounts)."""

from __future__ import annotations

import contextlib
import random
from datetime import date, timedelta

from sqlalchemy import select

from timebank.demo_codesign import load_demo_codesign
from timebank.demo_dates import backdate
from timebank.demo_neighbourhood import load_demo_companionship, load_demo_listings
from timebank.demo_visits import load_demo_visits
from timebank.extensions import db
from timebank.models import Community, Membership, Role, User
from timebank.models.base import utcnow
from timebank.services.auth import users as accounts
from timebank.services.community import communities, memberships
from timebank.services.exceptions import LimitExceeded
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.exchanges import movements
from timebank.services.exchanges import policy as ledger_policy
from timebank.services.ledger import posting as ledger

DEMO_PASSWORD = "demo-password-2026"
DEMO_SLUG = "old-town"

ADMIN = ("admin@example.org", "Amira Haddad")
COORDINATOR = ("coordinator@example.org", "Karim Nasser")
MEMBERS = [
    ("salma@example.org", "Salma Khoury", "ar"),
    ("omar@example.org", "Omar Farouk", "ar"),
    ("grace@example.org", "Grace Miller", "en"),
    ("yusuf@example.org", "Yusuf Rahman", "en"),
    ("layla@example.org", "ليلى منصور", "ar"),
]
# The story the figures tell: the bank opened a year ago with its admin and coordinator;
# members joined over the year (days before today, in MEMBERS' order), each before their
# first exchange; the two applicants and the member without internet arrive this month.
FOUNDED_DAYS_AGO = 400
JOINED_DAYS_AGO = (380, 350, 320, 230, 150)
APPLICANTS = [
    ("hassan@example.org", "Hassan Aziz", "ar", "I can drive neighbours to the clinic."),
    ("ruth@example.org", "Ruth Cohen", "en", "I would like weekly company and can teach knitting."),
]


def load_demo() -> str:
    admin = accounts.create_user(
        email=ADMIN[0], display_name=ADMIN[1], password=DEMO_PASSWORD, is_admin=True, locale="en"
    )
    coordinator = accounts.create_user(
        email=COORDINATOR[0], display_name=COORDINATOR[1], password=DEMO_PASSWORD, locale="ar"
    )
    community = communities.create(
        actor=admin,
        slug=DEMO_SLUG,
        name="Old Town Time Bank",
        name_ar="بنك الوقت في البلدة القديمة",
        locale="ar",
        description="Neighbours helping neighbours, one hour at a time.",
    )
    community.description_ar = "جيران يساعدون جيرانهم، ساعةً بساعة."
    communities.appoint(community, email=ADMIN[0], role=Role.ADMIN, actor=admin)
    communities.appoint(community, email=COORDINATOR[0], role=Role.COORDINATOR, actor=admin)
    members = []
    for email, name, locale in MEMBERS:
        membership = accounts.register(
            email=email,
            display_name=name,
            password=DEMO_PASSWORD,
            community=community,
            motivation=None,
            locale=locale,
        )
        memberships.approve(membership, actor=coordinator)
        members.append(membership)
    for email, name, locale, motivation in APPLICANTS:
        accounts.register(
            email=email,
            display_name=name,
            password=DEMO_PASSWORD,
            community=community,
            motivation=motivation,
            locale=locale,
        )
    _backdate_admissions(community, members)
    posted = load_history(community, admin=admin, coordinator=coordinator, members=members)
    load_demo_listings(community)
    load_demo_companionship(community, coordinator)
    load_demo_visits(community, coordinator)
    load_console_demo(community, coordinator=coordinator, members=members)
    load_demo_codesign(community, admin=admin, coordinator=coordinator, members=members)
    backdate(community)
    return (
        f"Demo community /c/{DEMO_SLUG}/ loaded: {len(MEMBERS) + 2} members, "
        f"{len(APPLICANTS)} applicants, {posted} posted exchanges. "
        f"Every demo password is {DEMO_PASSWORD}"
    )


CATEGORIES = ["gardening", "companionship", "transport", "tutoring", "cooking", "repairs"]
DESCRIPTIONS = {
    "gardening": "Weeding and planting in the back garden",
    "companionship": "Afternoon visit, tea and a walk",
    "transport": "Lift to the clinic and back",
    "tutoring": "Homework help, maths",
    "cooking": "Cooked a week of meals",
    "repairs": "Fixed a dripping tap",
}


def _backdate_admissions(community: Community, members: list[Membership]) -> None:
    """Demo data only: the founders' and members' admissions go back to the days the story
    gives them (the services stamp them today), so no one exchanges before joining."""
    now = utcnow()
    founded = now - timedelta(days=FOUNDED_DAYS_AGO)
    community.created_at = founded
    for membership in community_members(community):
        if membership.member_number is not None and membership not in members:
            membership.created_at = membership.decided_at = founded
    for membership, days in zip(members, JOINED_DAYS_AGO, strict=True):
        membership.created_at = membership.decided_at = now - timedelta(days=days)
    db.session.flush()


def community_members(community: Community) -> list[Membership]:
    query = select(Membership).where(Membership.community_id == community.id)
    return list(db.session.scalars(query))


# Relative activity by month of the year: busy in spring and autumn, quiet in August and
# over the new year, as time banks report.
SEASON = {1: 2, 2: 3, 3: 4, 4: 5, 5: 5, 6: 3, 7: 2, 8: 1, 9: 4, 10: 5, 11: 4, 12: 2}


def _service_day(rng: random.Random, today: date, earliest: date) -> date:
    """A day between ``earliest`` and a week ago, weighted by the season."""
    days = [earliest + timedelta(days=n) for n in range((today - earliest).days - 6)]
    return rng.choices(days, weights=[SEASON[day.month] for day in days])[0]


def load_history(
    community: Community, *, admin: User, coordinator: User, members: list[Membership]
) -> int:
    """A year of exchanges through the real services: posted ones, some waiting for the
    other member or a coordinator, pot donations and a grant, a workshop, one reversal.
    Each exchange's service date falls after both members joined; records are made now."""
    rng = random.Random(2026)  # noqa: S311 - reproducible demo data, not security
    today = date.today()
    counter = iter(range(1, 10_000))
    joined = {
        m.id: today - timedelta(days=days) for m, days in zip(members, JOINED_DAYS_AGO, strict=True)
    }

    def key() -> str:
        return f"demo-history-{next(counter):05d}"

    ledger.ensure_accounts(community)
    ledger_policy.update_policy(
        community, actor=admin, approval_conditions=["above_minutes"], approval_above_minutes=180
    )
    balance = dict.fromkeys(joined, 0)
    for _ in range(60):
        provider, recipient = rng.sample(members, 2)
        minutes = rng.choice([30, 45, 60, 60, 90, 120, 150])
        # Members who have received a lot give back, so nobody nears their limit and the
        # story's last exchanges (below) all fit.
        if balance[recipient.id] - minutes < -5 * 60:
            provider, recipient = recipient, provider
        category = rng.choice(CATEGORIES)
        exchange = exchanges.record(
            community,
            actor=provider.user,
            provider=provider,
            recipient=recipient,
            minutes=minutes,
            service_date=_service_day(rng, today, max(joined[provider.id], joined[recipient.id])),
            category=category,
            description=DESCRIPTIONS[category],
            idempotency_key=key(),
        )
        # Past a limit it stays waiting for confirmation, as some real records do.
        with contextlib.suppress(LimitExceeded):
            exchanges.confirm(exchange, actor=recipient.user)
            balance[provider.id] += minutes
            balance[recipient.id] -= minutes
    salma, omar, grace, yusuf, layla = members
    # Waiting for the other member, and for a coordinator (above 3 hours).
    for provider, recipient, minutes in ((omar, grace, 60), (yusuf, salma, 45)):
        exchanges.record(
            community, actor=provider.user, provider=provider, recipient=recipient,
            minutes=minutes, service_date=today - timedelta(days=3), category="repairs",
            idempotency_key=key(),
        )  # fmt: skip
    for provider, recipient, minutes in ((grace, layla, 240), (salma, omar, 210)):
        pending = exchanges.record(
            community, actor=provider.user, provider=provider, recipient=recipient,
            minutes=minutes, service_date=today - timedelta(days=2), category="companionship",
            idempotency_key=key(),
        )  # fmt: skip
        exchanges.confirm(pending, actor=recipient.user)
    # Recorded by the coordinator for a member without internet.
    exchanges.record(
        community, actor=coordinator, provider=omar, recipient=layla, minutes=90,
        service_date=today - timedelta(days=10), category="transport",
        on_behalf_of=layla, idempotency_key=key(),
    )  # fmt: skip
    # A duplicate entry, posted and then reversed by the admin.
    duplicate = exchanges.record(
        community, actor=yusuf.user, provider=yusuf, recipient=grace, minutes=60,
        service_date=today - timedelta(days=20), category="tutoring", idempotency_key=key(),
    )  # fmt: skip
    exchanges.confirm(duplicate, actor=grace.user)
    exchanges.reverse(duplicate, actor=admin, reason="Recorded twice by mistake")
    # The community pot: two donations and a grant to a housebound member.
    movements.donate(salma, actor=salma.user, minutes=60, idempotency_key=key(),
                     description="For neighbours who cannot give back")  # fmt: skip
    movements.donate(grace, actor=grace.user, minutes=90, idempotency_key=key())
    movements.grant(layla, actor=coordinator, minutes=120, idempotency_key=key(),
                    reason="Housebound this winter")  # fmt: skip
    # A workshop: Grace teaches three neighbours for an hour.
    movements.group_exchange(
        community, actor=coordinator, providers=[grace], recipients=[salma, omar, yusuf],
        minutes=60, service_date=today - timedelta(days=14), category="tutoring",
        description="Phone and tablet workshop", idempotency_key="demo-workshop-0001",
    )  # fmt: skip
    from timebank.services.ledger.verification import verify_community

    return verify_community(community).posted_exchanges


OFFLINE_MEMBER = "أم خالد"


def load_console_demo(community, *, coordinator: User, members: list[Membership]) -> None:
    """The coordinator console's demo data: vetting steps, a member without e-mail who has
    a proxy (Salma), and an announcement."""
    from timebank.services.community import announcements, proxies, vetting

    # Optional in the demo, so an applicant can still be approved straight from the list;
    # a real community marks its steps required (the default).
    for name_en, name_ar in (("Interview", "مقابلة"), ("Two references", "مرجعان")):
        vetting.add_step(
            community, actor=coordinator, name_en=name_en, name_ar=name_ar, required=False
        )
    vetting.add_step(
        community, actor=coordinator, name_en="ID seen", name_ar="الاطلاع على الهوية",
        required=False,
    )  # fmt: skip
    offline = memberships.create_member(
        community, actor=coordinator, display_name=OFFLINE_MEMBER, phone="06 555 0101", locale="ar"
    )
    proxies.appoint(offline, members[0], actor=coordinator)
    announcements.post(
        community,
        actor=coordinator,
        title="Winter coffee morning · صباح القهوة الشتوي",
        body="Saturday at 10 in the community hall. Bring a neighbour! "
        "السبت الساعة العاشرة في قاعة الحي. أحضروا جاراً معكم!",
    )
