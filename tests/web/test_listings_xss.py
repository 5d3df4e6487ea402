"""HTML and script typed into any listing, profile or category text come back escaped on
every page that shows them."""

from __future__ import annotations

from tests.factories import PASSWORD, make_community, make_member
from tests.listing_factories import category
from timebank.extensions import db
from timebank.models import Listing, Role

PAYLOADS = [
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(2)>",
]
RAW = ("<script>alert", "<img src=x", "<svg/onload")


def _assert_escaped(body: str, where: str) -> None:
    for raw in RAW:
        assert raw not in body, where
    assert "&lt;" in body, where


def test_payloads_in_every_text_field_are_escaped(auth, client):
    """Listing, profile and category texts never reach a page unescaped."""
    community = make_community()
    make_member(community, email="owner@example.org")
    make_member(community, email="coord@example.org", role=Role.COORDINATOR)
    base = f"/c/{community.slug}"
    auth.login("owner@example.org", PASSWORD)
    for n, payload in enumerate(PAYLOADS):
        new = f"{base}/listings/new"
        response = auth.post(
            new,
            {
                "kind": "offer",
                "title": f"{payload} title {n}",
                "description": payload,
                "category_id": str(category(community, "arts").id),
                "neighbourhood": payload,
                "when_text": payload,
                "language": "en",
            },
            page=new,
        )
        assert response.status_code == 302
    edit = f"{base}/profile/edit"
    payload = PAYLOADS[0]
    response = auth.post(
        edit,
        {
            "display_name": payload[:80],
            "bio": payload,
            "neighbourhood": payload,
            "availability": payload,
            "skills": payload,
            "phone": payload[:40],
            "address": payload,
            "languages": ["en"],
            "shown": [
                "bio",
                "neighbourhood",
                "availability",
                "skills",
                "phone",
                "address",
                "languages",
            ],
        },
        page=edit,
    )
    assert response.status_code == 302
    auth.logout()
    auth.login("coord@example.org", PASSWORD)
    categories_url = f"{base}/categories/"
    created = auth.post(
        f"{base}/categories/new", {"name_en": payload, "name_ar": payload}, page=categories_url
    )
    assert created.status_code == 302
    listing = db.session.query(Listing).first()
    owner_id = listing.owner_id
    pages = [
        f"{base}/listings/",
        f"{base}/listings/?q=script",
        f"{base}/listings/{listing.id}",
        f"{base}/listings/{listing.id}/edit",
        f"{base}/listings/{listing.id}/close",
        f"{base}/people/",
        f"{base}/people/?q=script",
        f"{base}/people/{owner_id}",
        categories_url,
        f"{base}/listings/new",
        f"{base}/listings/?q={payload}",
        f"{base}/people/?q={payload}",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_escaped(response.get_data(as_text=True), url)
    auth.logout()
    auth.login("owner@example.org", PASSWORD)
    for url in (f"{base}/listings/mine", edit):
        _assert_escaped(client.get(url).get_data(as_text=True), url)
