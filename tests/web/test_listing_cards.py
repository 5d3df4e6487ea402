"""Listing cards (issue 16): the category with its icon, the date, the neighbourhood and
the time, each icon hidden from screen readers beside its text; a subcategory shows its
top-level category's icon."""

from __future__ import annotations

import re
from datetime import timedelta

from babel.dates import format_date

from tests.factories import PASSWORD, make_community, make_member
from tests.listing_factories import category, make_listing
from timebank.extensions import db
from timebank.identity import CATEGORY_ICONS, icon
from timebank.models import Category, utcnow
from timebank.services.listings import categories


def _card(html: str, title: str) -> str:
    start = html.index(title)
    return html[html.rindex("<li", 0, start) : html.index("</li>", start)]


def test_browse_cards_show_category_icon_date_and_place(auth, app):
    community = make_community()
    owner = make_member(community, email="owner@example.org")
    when = utcnow() - timedelta(days=3)
    make_listing(owner, title="Lift to the clinic", key="transport", neighbourhood="Harbour",
                 when_text="Saturday mornings", now=when)  # fmt: skip
    db.session.commit()
    assert auth.login("owner@example.org", PASSWORD).status_code == 302
    html = auth.client.get(f"/c/{community.slug}/listings/").get_data(as_text=True)
    card = _card(html, "Lift to the clinic")
    assert str(icon(CATEGORY_ICONS["transport"])) in card
    assert "Transport and accompaniment" in card
    assert format_date(when.date(), "medium", locale="en") in card
    assert "<bdi>Harbour</bdi>" in card and "<bdi>Saturday mornings</bdi>" in card
    svgs = re.findall(r"<svg[^>]*>", card)
    assert len(svgs) == 4 and all('aria-hidden="true"' in s for s in svgs)

    auth.client.post("/language", data={"lang": "ar", "csrf_token": auth.token()})
    arabic = _card(
        auth.client.get(f"/c/{community.slug}/listings/").get_data(as_text=True),
        "Lift to the clinic",
    )
    facts = re.sub(r"<[^>]+>", "", arabic.split("card-facts", 1)[1].split("</p>")[0])
    assert "التوصيل والمرافقة" in facts
    assert re.search("[٠-٩]", facts) and not re.search("[0-9]", facts)


def test_a_subcategory_shows_its_parents_icon_and_unknown_keys_a_tag(auth, app):
    community = make_community()
    coordinator = make_member(community, email="c@example.org")
    garden = category(community, "gardening")
    sub = Category(community_id=community.id, key="hedges", name_en="Hedges", name_ar="السياج",
                   parent_id=garden.id)  # fmt: skip
    own = Category(community_id=community.id, key="bees", name_en="Bees", name_ar="النحل")
    db.session.add_all([sub, own])
    db.session.commit()
    make_listing(coordinator, title="Trim the hedge", key="hedges")
    make_listing(coordinator, title="Bee keeping", key="bees")
    db.session.commit()
    assert auth.login("c@example.org", PASSWORD).status_code == 302
    html = auth.client.get(f"/c/{community.slug}/listings/").get_data(as_text=True)
    assert str(icon("sprout")) in _card(html, "Trim the hedge")
    assert str(icon("tag")) in _card(html, "Bee keeping")
    assert categories is not None
