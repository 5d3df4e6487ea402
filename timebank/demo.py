"""The demo community loaded by ``flask --app timebank demo`` (README lists the accounts)."""

from __future__ import annotations

from timebank.models import Role
from timebank.services import accounts, communities, memberships

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
    for email, name, locale, motivation in APPLICANTS:
        accounts.register(
            email=email,
            display_name=name,
            password=DEMO_PASSWORD,
            community=community,
            motivation=motivation,
            locale=locale,
        )
    load_demo_listings(community)
    return (
        f"Demo community /c/{DEMO_SLUG}/ loaded: {len(MEMBERS) + 2} members, "
        f"{len(APPLICANTS)} applicants. Every demo password is {DEMO_PASSWORD}"
    )


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


def load_demo_listings(community) -> None:
    """A handful of profiles and listings so browsing and search have something to show."""
    from timebank.services import categories, listings, profiles
    from timebank.services.accounts import find_by_email

    by_key = {c.key: c for c in categories.tree(community)}
    for email, (neighbourhood, languages, skills) in DEMO_PROFILES.items():
        user = find_by_email(email)
        profiles.update(
            user.membership_in(community.id),
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
            actor=find_by_email(email),
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
