"""The category tree of a community: seeding, adding, renaming, merging and retiring.

Keys are stable slugs (the ledger records an exchange's category by key); names in both
languages may change. Retired categories stay on old records but cannot be chosen for new
listings; merging moves every listing to the target and retires the source."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from timebank.database import changed
from timebank.extensions import db
from timebank.models import (
    Category,
    CategoryRequirement,
    CheckType,
    Community,
    Listing,
    Neighbourhood,
    User,
    utcnow,
)
from timebank.services import audit, permissions
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.textsearch import index_text

MAX_NAME_LENGTH = 80

# (key, English, Arabic): the tree every new community starts with.
DEFAULT_CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("companionship", "Companionship", "الرفقة والمؤانسة"),
    ("transport", "Transport and accompaniment", "التوصيل والمرافقة"),
    ("shopping", "Shopping and errands", "التسوق وقضاء الحاجات"),
    ("household", "Household help", "المساعدة المنزلية"),
    ("repairs", "Repairs and DIY", "الإصلاحات والأعمال اليدوية"),
    ("gardening", "Gardening", "البستنة"),
    ("cooking", "Cooking and meals", "الطبخ والوجبات"),
    ("tutoring", "Tutoring and languages", "الدروس الخصوصية واللغات"),
    ("digital", "Digital help", "المساعدة الرقمية"),
    ("paperwork", "Paperwork and forms", "الأوراق والنماذج"),
    ("health", "Health and wellbeing", "الصحة والعافية"),
    ("childcare", "Childcare support", "المساعدة في رعاية الأطفال"),
    ("arts", "Arts and crafts", "الفنون والحرف اليدوية"),
    ("community", "Admin and community work", "الأعمال الإدارية والمجتمعية"),
    ("other", "Other", "أخرى"),
)


DEFAULT_REQUIREMENTS = (
    ("companionship", "home_visit", CheckType.BACKGROUND),
    ("companionship", "home_visit", CheckType.REFERENCES),
    ("companionship", "accompaniment", CheckType.BACKGROUND),
    ("companionship", "accompaniment", CheckType.REFERENCES),
)


def seed_requirements(community: Community) -> None:
    """The safeguarding checks the default categories require (home visits and
    accompaniment: a background check and references)."""
    db.session.add_all(
        CategoryRequirement(community_id=community.id, category_key=k, kind=kind, check_type=c)
        for k, kind, c in DEFAULT_REQUIREMENTS
    )
    db.session.flush()


def seed(community: Community) -> list[Category]:
    """Give a new community the default categories and the checks they require (no audit:
    part of its creation)."""
    created = [
        Category(community_id=community.id, key=key, name_en=en, name_ar=ar, position=n)
        for n, (key, en, ar) in enumerate(DEFAULT_CATEGORIES)
    ]
    db.session.add_all(created)
    db.session.flush()
    seed_requirements(community)
    return created


def tree(community: Community, *, include_retired: bool = False) -> list[Category]:
    """Categories in tree order: each top-level one followed by its children."""
    query = select(Category).where(Category.community_id == community.id)
    if not include_retired:
        query = query.where(Category.retired_at.is_(None))
    rows = db.session.scalars(query.order_by(Category.position, Category.id)).all()
    children: dict[int | None, list[Category]] = {}
    for category in rows:
        children.setdefault(category.parent_id, []).append(category)
    known = {c.id for c in rows}
    ordered: list[Category] = []
    for top in [c for c in rows if c.parent_id is None or c.parent_id not in known]:
        ordered.append(top)
        ordered.extend(children.get(top.id, []))
    return ordered


def listing_counts(community: Community) -> dict[int, int]:
    """How many listings (any status) each category of ``community`` has, by category id;
    categories without listings are absent. Counted in ``ix_listings_category_id`` alone,
    over the community's categories (a listing's category is its community's): filtering
    on the listings' community read every listing row (280 ms at 100,000 listings)."""
    ours = select(Category.id).where(Category.community_id == community.id)
    rows = db.session.execute(
        select(Listing.category_id, func.count())
        .where(Listing.category_id.in_(ours))
        .group_by(Listing.category_id)
    )
    return {category_id: count for category_id, count in rows}


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:50] or "category"


def _unique_key(community: Community, base: str) -> str:
    taken = set(
        db.session.scalars(select(Category.key).where(Category.community_id == community.id))
    )
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def _clean_names(name_en: str, name_ar: str) -> tuple[str, str]:
    names = []
    for field, value in (("name_en", name_en), ("name_ar", name_ar)):
        value = (value or "").strip()
        if not value:
            raise InvalidInput(_l("Enter a name."), field=field)
        if len(value) > MAX_NAME_LENGTH:
            raise InvalidInput(_l("Use at most %(n)d characters.", n=MAX_NAME_LENGTH), field=field)
        names.append(value)
    return names[0], names[1]


def _check_manager(actor: User, community: Community) -> None:
    if not permissions.can_manage_categories(actor, community):
        raise NotAllowed()


def get(community: Community, category_id: int | None) -> Category | None:
    """A category of ``community`` by id (None for another community's)."""
    if category_id is None:
        return None
    category = db.session.get(Category, category_id)
    return category if category is not None and category.community_id == community.id else None


def create(
    community: Community, *, actor: User, name_en: str, name_ar: str, parent_id: int | None
) -> Category:
    """Add a category (optionally under an active top-level one). Coordinators only
    (``NotAllowed``); ``InvalidInput`` for empty or over-long names or a bad parent."""
    _check_manager(actor, community)
    name_en, name_ar = _clean_names(name_en, name_ar)
    parent = get(community, parent_id)
    if parent_id is not None and (parent is None or parent.is_retired or parent.parent_id):
        raise InvalidInput(_l("Choose an active top-level category."), field="parent_id")
    position = db.session.scalar(
        select(func.coalesce(func.max(Category.position), 0)).where(
            Category.community_id == community.id
        )
    )
    category = Category(
        community_id=community.id,
        key=_unique_key(community, _slug(name_en)),
        name_en=name_en,
        name_ar=name_ar,
        parent_id=parent.id if parent else None,
        position=(position or 0) + 1,
    )
    db.session.add(category)
    db.session.flush()
    audit.record("category.create", actor=actor, community_id=community.id, obj=category)
    return category


def search_fields(listing: Listing) -> tuple[str, str]:
    """(title, body) search text: normalised title; description, where (the entry's
    names in both languages, or the words), "when" and the category's names in both
    languages."""
    place = (
        db.session.get(Neighbourhood, listing.neighbourhood_id)
        if listing.neighbourhood_id is not None
        else None
    )
    where = f"{place.name_en} {place.name_ar}" if place is not None else listing.neighbourhood
    body = index_text(listing.description, where, listing.when_text)
    category = listing.category or db.session.get_one(Category, listing.category_id)
    return index_text(listing.title), f"{body} {search_names(category)}".strip()


def reindex_listings(category_ids: list[int], *, places: bool = False) -> None:
    """Refresh the search text of the listings in these categories (names changed), or
    with ``places`` of the listings in these neighbourhoods."""
    column = Listing.neighbourhood_id if places else Listing.category_id
    rows = db.session.scalars(select(Listing).where(column.in_(category_ids)))
    for listing in rows:
        listing.search_title, listing.search_body = search_fields(listing)
    db.session.flush()


def rename(category: Category, *, actor: User, name_en: str, name_ar: str) -> Category:
    """Rename in both languages; the key stays. Coordinators only. Audited."""
    community = db.session.get_one(Community, category.community_id)
    _check_manager(actor, community)
    name_en, name_ar = _clean_names(name_en, name_ar)
    previous = {"en": category.name_en, "ar": category.name_ar}
    category.name_en, category.name_ar = name_en, name_ar
    db.session.flush()
    reindex_listings([category.id])
    audit.record(
        "category.rename",
        actor=actor,
        community_id=community.id,
        obj=category,
        details={"renamed": previous != {"en": name_en, "ar": name_ar}},
    )
    return category


def merge(
    source: Category, target: Category, *, actor: User, now: datetime | None = None
) -> Category:
    """Move every listing (and sub-category) of ``source`` to ``target`` and retire
    ``source``, pointing it at ``target``. ``InvalidInput`` when merging into itself, a
    retired category, another community's, or one of its own sub-categories."""
    community = db.session.get_one(Community, source.community_id)
    _check_manager(actor, community)
    if source.is_retired:
        raise InvalidInput(_l("This category is already retired."), field="target_id")
    if (
        target.id == source.id
        or target.community_id != source.community_id
        or target.is_retired
        or target.parent_id == source.id
    ):
        raise InvalidInput(_l("Choose another active category."), field="target_id")
    moved = changed(
        update(Listing)
        .where(Listing.category_id == source.id)
        .values(category_id=target.id)
        .execution_options(synchronize_session=False)
    )
    new_parent = target.parent_id or target.id
    db.session.execute(
        update(Category)
        .where(Category.parent_id == source.id)
        .values(parent_id=new_parent)
        .execution_options(synchronize_session=False)
    )
    source.retired_at = now or utcnow()
    source.merged_into_id = target.id
    db.session.flush()
    db.session.expire_all()
    reindex_listings([target.id])
    audit.record(
        "category.merge",
        actor=actor,
        community_id=community.id,
        obj=source,
        details={"into": target.id, "listings": moved},
    )
    return source


def merge_into(
    source: Category, target_id: int | None, *, actor: User, now: datetime | None = None
) -> Category:
    """``merge`` into the category with id ``target_id``; ``InvalidInput`` (on
    ``target_id``) when there is none (another community's is refused by ``merge``)."""
    target = db.session.get(Category, target_id) if target_id is not None else None
    if target is None:
        raise InvalidInput(_l("Choose another active category."), field="target_id")
    return merge(source, target, actor=actor, now=now)


def retire(category: Category, *, actor: User, now: datetime | None = None) -> Category:
    """Stop offering a category for new listings; old records keep it. Refused while it
    still has active sub-categories. Audited."""
    community = db.session.get_one(Community, category.community_id)
    _check_manager(actor, community)
    if category.is_retired:
        raise InvalidInput(_l("This category is already retired."))
    active_children = db.session.scalar(
        select(func.count()).where(Category.parent_id == category.id, Category.retired_at.is_(None))
    )
    if active_children:
        raise InvalidInput(_l("Retire or merge its sub-categories first."))
    category.retired_at = now or utcnow()
    db.session.flush()
    audit.record("category.retire", actor=actor, community_id=community.id, obj=category)
    return category


def search_names(category: Category) -> str:
    """Both names, normalised: part of every listing's search text."""
    return index_text(category.name_en, category.name_ar)
