"""The demo's neighbourhood: profiles, offers and requests in both languages, and Layla's
companionship story (loaded by ``timebank.demo.load_demo``)."""

from __future__ import annotations

from datetime import date, timedelta

from timebank.extensions import db
from timebank.models import Community, Membership, Neighbourhood, User
from timebank.services.auth import users as accounts

# Offers and requests in both languages: (e-mail, kind, category key, language, title,
# description, neighbourhood, when). Names of the neighbourhood list, in either language.
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

# How long some of them take (minutes), by title.
DEMO_DURATIONS = {
    "طبخ وجبات بيتية للجيران": 90,
    "توصيل إلى المستشفى أو العيادة": 120,
    "English conversation practice": 60,
    "Help with smartphones and video calls": 45,
    "Help pruning the café garden": 120,
}

DEMO_PROFILES = {
    "salma@example.org": ("البلدة القديمة", "ar", "الطبخ، الخياطة، الرفقة"),
    "grace@example.org": ("Harbour", "en ar", "English lessons, gardening"),
    "yusuf@example.org": ("Old Town", "en ar", "Smartphones, computers, repairs"),
}


# The community's list of neighbourhoods (English, Arabic); members pick from it.
DEMO_NEIGHBOURHOODS = (
    ("Old Town", "البلدة القديمة"),
    ("Harbour", "حي الميناء"),
    ("Market Quarter", "حي السوق"),
    ("Hillside", "حي التلة"),
)


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
    db.session.add_all(
        Neighbourhood(community_id=community.id, name_en=en, name_ar=ar)
        for en, ar in DEMO_NEIGHBOURHOODS
    )
    db.session.flush()
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
                duration_minutes=DEMO_DURATIONS.get(title),
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
