"""The demo community loaded by ``flask --app timebank demo`` (README lists the accounts)."""

from __future__ import annotations

import contextlib
import random
from datetime import date, timedelta

from timebank.models import Community, Membership, Role, User
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
    posted = load_history(community, admin=admin, coordinator=coordinator, members=members)
    load_demo_listings(community)
    load_demo_companionship(community, coordinator)
    load_console_demo(community, coordinator=coordinator, members=members)
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


def load_history(
    community: Community, *, admin: User, coordinator: User, members: list[Membership]
) -> int:
    """Four months of exchanges through the real services: posted ones, some waiting for
    the other member or a coordinator, pot donations and a grant, a workshop, one
    reversal. Service dates are in the past; records are created now."""
    rng = random.Random(2026)  # noqa: S311 - reproducible demo data, not security
    today = date.today()
    counter = iter(range(1, 10_000))

    def key() -> str:
        return f"demo-history-{next(counter):05d}"

    ledger.ensure_accounts(community)
    ledger_policy.update_policy(
        community, actor=admin, approval_conditions=["above_minutes"], approval_above_minutes=180
    )
    for _ in range(36):
        provider, recipient = rng.sample(members, 2)
        category = rng.choice(CATEGORIES)
        exchange = exchanges.record(
            community,
            actor=provider.user,
            provider=provider,
            recipient=recipient,
            minutes=rng.choice([30, 45, 60, 60, 90, 120, 150]),
            service_date=today - timedelta(days=rng.randint(7, 120)),
            category=category,
            description=DESCRIPTIONS[category],
            idempotency_key=key(),
        )
        # Past a limit it stays waiting for confirmation, as some real records do.
        with contextlib.suppress(LimitExceeded):
            exchanges.confirm(exchange, actor=recipient.user)
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


# Offers and requests in both languages: (e-mail, kind, category key, language, title,
# description, neighbourhood, when).
DEMO_LISTINGS = [
    (
        "salma@example.org",
        "offer",
        "cooking",
        "ar",
        "طبخ وجبات بيتية للجيران",
        "أطبخ وجبات صحية بسيطة لمن يحتاجها، مرة في الأسبوع.",
        "البلدة القديمة",
        "أيام الخميس",
    ),
    (
        "omar@example.org",
        "offer",
        "transport",
        "ar",
        "توصيل إلى المستشفى أو العيادة",
        "عندي سيارة ويمكنني مرافقتك إلى مواعيدك الطبية.",
        "حي الميناء",
        "صباحاً في أيام الأسبوع",
    ),
    (
        "layla@example.org",
        "request",
        "companionship",
        "ar",
        "زيارة أسبوعية لوالدتي المسنّة",
        "والدتي تعيش وحدها وتحب الحديث وشرب القهوة مع الجيران.",
        "البلدة القديمة",
        "بعد العصر",
    ),
    (
        "grace@example.org",
        "offer",
        "tutoring",
        "en",
        "English conversation practice",
        "Friendly English conversation for beginners, at the library or by phone.",
        "Harbour",
        "Tuesday evenings",
    ),
    (
        "yusuf@example.org",
        "offer",
        "digital",
        "en",
        "Help with smartphones and video calls",
        "I can set up WhatsApp video calls with family and show you how to use them.",
        "Old Town",
        "Weekends",
    ),
    (
        "grace@example.org",
        "request",
        "gardening",
        "en",
        "Help pruning the café garden",
        "Our small community garden needs two hours of pruning before winter.",
        "Harbour",
        "A Saturday morning",
    ),
]

DEMO_PROFILES = {
    "salma@example.org": ("البلدة القديمة", "ar", "الطبخ، الخياطة، الرفقة"),
    "grace@example.org": ("Harbour", "en ar", "English lessons, gardening"),
    "yusuf@example.org": ("Old Town", "en ar", "Smartphones, computers, repairs"),
}


def _user(email: str) -> User:
    """A demo account, which ``load_demo`` has just created."""
    user = accounts.find_by_email(email)
    if user is None:
        raise LookupError(email)
    return user


def _member(email: str, community: Community) -> Membership:
    membership = _user(email).membership_in(community.id)
    if membership is None:
        raise LookupError(email)
    return membership


def load_demo_listings(community) -> None:
    """A handful of profiles and listings so browsing and search have something to show."""
    from timebank.services.community import profiles
    from timebank.services.listings import categories, listings

    by_key = {c.key: c for c in categories.tree(community)}
    for email, (neighbourhood, languages, skills) in DEMO_PROFILES.items():
        user = _user(email)
        profiles.update(
            _member(email, community),
            actor=user,
            data=profiles.ProfileInput(
                display_name=user.display_name,
                neighbourhood=neighbourhood,
                languages=tuple(languages.split()),
                skills=skills,
                shown=frozenset(profiles.PUBLIC_BY_DEFAULT),
            ),
        )
    for email, kind, key, language, title, description, where, when in DEMO_LISTINGS:
        listings.create(
            community,
            actor=_user(email),
            data=listings.ListingInput(
                kind=kind,
                title=title,
                description=description,
                category_id=by_key[key].id,
                neighbourhood=where,
                when_text=when,
                language=language,
            ),
        )


def load_demo_companionship(community, coordinator) -> None:
    """Safeguarding checks for two volunteers (and one about to expire), Layla's weekly
    home visit matched to Grace with one logged visit that raised a concern, and a
    conversation about one of the listings."""
    from sqlalchemy import select

    from timebank.extensions import db
    from timebank.models import Listing
    from timebank.services.companionship import requests as companionship
    from timebank.services.companionship import safeguarding
    from timebank.services.messaging import conversations

    def member(email: str) -> Membership:
        return _member(email, community)

    today = date.today()
    for email in ("grace@example.org", "yusuf@example.org"):
        for check_type in ("background", "references"):
            safeguarding.record_check(
                member(email), actor=coordinator, check_type=check_type,
                checked_on=today - timedelta(days=60), expires_on=today + timedelta(days=700),
            )  # fmt: skip
    safeguarding.record_check(
        member("omar@example.org"), actor=coordinator, check_type="background",
        checked_on=today - timedelta(days=1080), expires_on=today + timedelta(days=20),
    )  # fmt: skip
    request = companionship.create_request(
        member("layla@example.org"),
        actor=coordinator,
        data=companionship.RequestInput(
            kind="home_visit", frequency="weekly", preferred_times="الثلاثاء صباحاً",
            language="ar", coordinator_notes="Lives alone; hard of hearing.",
        ),
    )  # fmt: skip
    arrangement = companionship.match(
        request, actor=coordinator, volunteer=member("grace@example.org")
    )
    companionship.log_visit(
        arrangement, actor=_user("grace@example.org"), minutes=90,
        service_date=today - timedelta(days=2), wellbeing="concern",
        concern_note="Layla seemed unwell and had little food in the house.",
        idempotency_key="demo-visit-0001",
    )  # fmt: skip
    listing = db.session.scalar(
        select(Listing)
        .where(
            Listing.community_id == community.id, Listing.owner_id != member("yusuf@example.org").id
        )
        .order_by(Listing.id)
    )
    if listing is not None:
        conversations.respond(
            listing, actor=_user("yusuf@example.org"),
            body="Hello! I could help with this next week.",
        )  # fmt: skip


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
