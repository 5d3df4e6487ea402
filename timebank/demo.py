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
    return (
        f"Demo community /c/{DEMO_SLUG}/ loaded: {len(MEMBERS) + 2} members, "
        f"{len(APPLICANTS)} applicants. Every demo password is {DEMO_PASSWORD}"
    )
