"""Identity (issue 16): the favicon and icons are served by the app, icons are decorative
beside a text label, avatars are initials in a colour with enough contrast, and the
visitor's home page explains the bank with its real figures and no private data."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.factories import PASSWORD
from tests.listing_factories import make_listing
from tests.web.ledger_helpers import make_town
from timebank import identity
from timebank.database import transaction
from timebank.extensions import db
from timebank.models import ListingStatus
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.metrics import api as metrics

TEMPLATES = Path(identity.__file__).parent / "templates"
CSS = (Path(identity.__file__).parent / "static" / "css" / "site.css").read_text()


@pytest.mark.parametrize(
    ("url", "mimetype"),
    [
        ("/favicon.ico", "image/x-icon"),
        ("/static/img/favicon.svg", "image/svg+xml"),
        ("/static/img/favicon-32.png", "image/png"),
        ("/static/img/apple-touch-icon.png", "image/png"),
        ("/static/img/logo.svg", "image/svg+xml"),
        ("/static/icons/lucide/house.svg", "image/svg+xml"),
        ("/static/icons/lucide/LICENSE", "application/octet-stream"),
    ],
)
def test_the_favicon_logo_and_icons_are_served(client, url, mimetype):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == mimetype
    assert len(response.data) > 100
    response.close()


def test_every_page_names_its_icons_and_the_wordmark(client, app):
    """The head links the icons; the header carries the logo beside the name."""
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'rel="icon" href="/favicon.ico"' in page
    assert 'href="/static/img/favicon.svg" type="image/svg+xml"' in page
    assert re.search(r'<img class="brand-mark" src="/static/img/logo.svg" alt=""', page)
    assert '<span class="brand-name">Timebank</span>' in page


def test_every_icon_a_template_uses_is_vendored():
    used = set()
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'icon\("([a-z0-9-]+)"\)', text))
        used |= set(re.findall(r'glyph="([a-z0-9-]+)"', text))
    assert used, "templates use icons"
    missing = [name for name in used if not (identity.ICON_FOLDER / f"{name}.svg").is_file()]
    assert missing == []
    assert "ISC License" in (identity.ICON_FOLDER / "LICENSE").read_text()


def test_an_icon_is_inline_hidden_and_unknown_ones_fail():
    markup = str(identity.icon("house"))
    assert markup.startswith('<svg class="icon" aria-hidden="true" focusable="false"')
    assert "currentColor" in markup and "<!--" not in markup
    assert '<rect width="20" height="5"' in str(identity.icon("archive")), "shapes keep their size"
    for bad in ("no-such-icon", "../LICENSE", "House"):
        with pytest.raises(identity.UnknownIcon):
            identity.icon(bad)


def test_navigation_icons_stand_beside_their_labels(client, app):
    town = make_town()
    client.post("/auth/login", data={"email": town.salma.user.email, "password": PASSWORD,
                                     "csrf_token": _token(client)})  # fmt: skip
    page = client.get(f"/c/{town.slug}/").get_data(as_text=True)
    for label in ("Offers and requests", "Record hours", "Statement", "My account"):
        assert re.search(r'aria-hidden="true"[^>]*>.*?</svg>' + re.escape(label), page), label


def _token(client, url="/auth/login") -> str:
    return re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).get_data(as_text=True)
    ).group(1)


@pytest.mark.parametrize(
    ("name", "letters"),
    [
        ("Salma Khoury", "SK"),
        ("grace", "G"),
        ("Grace Ann Miller", "GM"),
        ("سلمى خوري", "س\u200cخ"),
        ("الحاج عمر", "ح\u200cع"),
        ("عمر", "ع"),
        ("Omar الفاروق", "O\u200cف"),
        ("  ", "?"),
        ("1234", "?"),
    ],
)
def test_initials(name, letters):
    """First and last word; Arabic initials kept apart so they read as letters."""
    assert identity.initials(name) == letters


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("n", range(len(identity.AVATAR_COLOURS)))
def test_avatar_colours_carry_white_text_and_match_the_stylesheet(n):
    colour = identity.AVATAR_COLOURS[n]
    assert (1.05) / (_luminance(colour) + 0.05) >= 4.5, colour
    assert f".avatar-{n} {{ background: {colour}; }}" in CSS


def test_an_avatar_keeps_its_colour_and_hides_from_screen_readers():
    """The colour follows the user, not the name; the letters are escaped."""
    first = str(identity.avatar("Salma Khoury", 42))
    assert first == str(identity.avatar("Salma Kay Khoury", 42))
    assert 'aria-hidden="true"' in first and ">SK<" in first
    assert {identity.avatar_colour(key) for key in range(200)} == set(
        range(len(identity.AVATAR_COLOURS))
    ), "every colour is used"
    assert "<b>" not in str(identity.avatar("<b>x y", 1))


@pytest.fixture
def busy_town(app):
    metrics.clear_cache()
    town = make_town(require_confirmation=False)
    town.community.description = "Neighbours helping neighbours"
    town.community.description_ar = "جيران يساعدون جيرانهم"
    db.session.commit()
    for n, minutes in enumerate((90, 60)):
        recorded = transaction(
            lambda n=n, minutes=minutes: exchanges.record(
                town.community, actor=town.salma.user, provider=town.salma, recipient=town.omar,
                minutes=minutes, service_date=max(date.today() - timedelta(days=1),
                                                  date(date.today().year, 1, 1)),
                category="gardening", idempotency_key=f"visitor-{n}",
            )
        )  # fmt: skip
        transaction(lambda recorded=recorded: exchanges.confirm(recorded, actor=town.omar.user))
    make_listing(town.grace, title="Sewing repairs", description="Call me on 0612345678")
    make_listing(town.omar, title="Lift to the market", kind="offer")
    make_listing(town.omar, title="Need a ladder", kind="request")
    paused = make_listing(town.omar, title="Paused offer")
    paused.status = ListingStatus.PAUSED
    db.session.commit()
    return town


def _visitor_page(client, town, lang="en") -> str:
    if lang != "en":
        client.post("/language", data={"lang": lang, "csrf_token": _token(client)})
    response = client.get(f"/c/{town.slug}/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_visitor_page_explains_the_bank_with_its_figures(client, busy_town):
    town = busy_town
    page = _visitor_page(client, town)
    assert "Neighbours helping neighbours" in page
    assert "How a time bank works" in page and "Give an hour" in page
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page))
    this_year = metrics.this_year(town.community)
    assert figures == {
        "Members": str(this_year.members),
        "Hours exchanged": "2",
        "Exchanges": "2",
    }
    assert this_year.members >= 5
    assert f'href="/auth/register?community={town.slug}"' in page
    # Offers are not public unless coordinators say so.
    assert "Sewing repairs" not in page and "Some of the help on offer" not in page


def test_the_visitor_page_is_in_the_readers_language(client, busy_town):
    page = _visitor_page(client, busy_town, "ar")
    assert busy_town.community.display_name("ar") in page
    assert "جيران يساعدون جيرانهم" in page and "Neighbours helping" not in page
    assert "كيف يعمل بنك الوقت" in page
    assert re.search(r"<dd>[٠-٩]+</dd>", page), "figures in Arabic-Indic digits"


def test_public_offers_show_titles_only(client, busy_town):
    """With public offers on: the newest active offers, their title and category, and
    nothing about who offers them; never requests or paused offers."""
    town = busy_town
    town.community.public_offers = True
    db.session.commit()
    page = _visitor_page(client, town)
    assert "Some of the help on offer" in page
    assert "Sewing repairs" in page and "Lift to the market" in page
    assert "Need a ladder" not in page and "Paused offer" not in page
    for private in ("0612345678", "Grace Miller", "Omar Farouk", "Salma Khoury",
                    town.salma.user.email, "/people/", "/listings/"):  # fmt: skip
        assert private not in page, private


def test_coordinators_switch_public_offers_on(client, busy_town):
    town = busy_town
    client.post("/auth/login", data={"email": town.coordinator.user.email, "password": PASSWORD,
                                     "csrf_token": _token(client)})  # fmt: skip
    url = f"/c/{town.slug}/settings/details"
    data = {"name": town.community.name, "name_ar": "", "tagline": "", "tagline_ar": "",
            "public_offers": "y", "csrf_token": _token(client, url)}  # fmt: skip
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert town.community.public_offers is True
