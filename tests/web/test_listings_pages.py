"""Posting and managing listings through the pages, and bad input that changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.factories import PASSWORD, make_community, make_member
from tests.listing_factories import category, make_listing
from timebank.extensions import db
from timebank.models import Listing, ListingStatus, Role
from timebank.services.listings import categories


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Listing))


def _setup(auth):
    community = make_community()
    owner = make_member(community, email="owner@example.org")
    auth.login("owner@example.org", PASSWORD)
    return community, owner


def _form(community, **overrides):
    return {
        "kind": "request",
        "title": "Help with my tax form",
        "description": "Two hours, at home.",
        "category_id": str(category(community, "paperwork").id),
        "neighbourhood": "Old Town",
        "when_text": "Any morning",
        "language": "en",
        **overrides,
    }


def test_member_posts_a_request_and_finds_it(auth, client):
    """The form publishes a listing, which then appears in browse and search."""
    community, owner = _setup(auth)
    new = f"/c/{community.slug}/listings/new"
    page = client.get(new + "?kind=request").get_data(as_text=True)
    assert 'value="request" selected' in page or 'selected value="request"' in page
    response = auth.post(new, _form(community, is_group="y"), page=new)
    assert response.status_code == 302
    listing = db.session.scalar(select(Listing))
    assert listing.owner_id == owner.id and listing.is_group and listing.kind.value == "request"
    assert response.headers["Location"].endswith(f"/listings/{listing.id}")
    browse = client.get(f"/c/{community.slug}/listings/?q=TAX").get_data(as_text=True)
    assert "Help with my tax form" in browse


def test_invalid_form_keeps_the_input_and_saves_nothing(auth, client):
    """An empty title is reported next to the field; what was typed stays."""
    community, _ = _setup(auth)
    new = f"/c/{community.slug}/listings/new"
    response = auth.post(new, _form(community, title="   ", description="Kept text"), page=new)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter a title." in body and 'id="title-error"' in body
    assert "Kept text" in body
    assert _count() == 0


def test_retired_category_is_neither_offered_nor_accepted(auth, client):
    """A retired category is missing from the form and refused if posted anyway."""
    community, _ = _setup(auth)
    coordinator = make_member(community, role=Role.COORDINATOR)
    arts = category(community, "arts")
    categories.retire(arts, actor=coordinator.user)
    db.session.commit()
    new = f"/c/{community.slug}/listings/new"
    assert f'value="{arts.id}"' not in client.get(new).get_data(as_text=True)
    response = auth.post(new, _form(community, category_id=str(arts.id)), page=new)
    assert "This category is no longer used" in response.get_data(as_text=True)
    assert _count() == 0


def test_owner_edits_and_the_form_shows_current_values(auth, client):
    """The edit form is filled in; saving changes the listing."""
    community, owner = _setup(auth)
    listing = make_listing(owner, title="Old title", key="cooking")
    url = f"/c/{community.slug}/listings/{listing.id}/edit"
    assert 'value="Old title"' in client.get(url).get_data(as_text=True)
    response = auth.post(url, _form(community, title="New title"), page=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).title == "New title"


def test_closing_asks_for_confirmation_first(auth, client):
    """Opening the close page changes nothing; confirming closes the listing."""
    community, owner = _setup(auth)
    listing = make_listing(owner)
    url = f"/c/{community.slug}/listings/{listing.id}/close"
    page = client.get(url).get_data(as_text=True)
    assert "Close this listing?" in page
    assert db.session.get(Listing, listing.id).status == ListingStatus.ACTIVE
    assert auth.post(url, {}, page=url).status_code == 302
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).status == ListingStatus.CLOSED
    assert client.get(f"/c/{community.slug}/listings/{listing.id}/edit").status_code == 302


def test_pause_resume_and_renew_buttons(auth, client):
    """The buttons on the detail page pause, resume and renew."""
    community, owner = _setup(auth)
    listing = make_listing(owner)
    detail = f"/c/{community.slug}/listings/{listing.id}"
    for action, status in (("pause", "paused"), ("resume", "active"), ("renew", "active")):
        response = auth.post(f"{detail}/{action}", {}, page=detail)
        assert response.status_code == 302
        db.session.expire_all()
        assert db.session.get(Listing, listing.id).status.value == status
    assert db.session.get(Listing, listing.id).renewed_at is not None


def test_paused_listing_is_hidden_from_other_members(auth, client):
    """Only its owner and coordinators can open a paused listing."""
    community, owner = _setup(auth)
    listing = make_listing(owner)
    detail = f"/c/{community.slug}/listings/{listing.id}"
    auth.post(f"{detail}/pause", {}, page=detail)
    make_member(community, email="other@example.org")
    auth.logout()
    auth.login("other@example.org", PASSWORD)
    assert client.get(detail).status_code == 404


def test_bad_input_never_fails_and_changes_nothing(auth, client):
    """Garbage in forms and query strings gives a page or a message, never a 500."""
    community, owner = _setup(auth)
    listing = make_listing(owner, title="Untouched")
    base = f"/c/{community.slug}"
    new, edit = f"{base}/listings/new", f"{base}/listings/{listing.id}/edit"
    bad_forms = [
        {"category_id": "abc"},
        {"category_id": "99999999999999999999"},
        {"category_id": "-1"},
        {"kind": "advert"},
        {"language": "klingon"},
        {"title": "x" * 121},
        {"description": "y" * 5001},
        {"title": "bad\x00byte"},
        {"title": "bidi \u202e trick"},
        {"neighbourhood_id": "abc"},
        {"neighbourhood_id": "99999999"},
        {"hours": "two"},
        {"hours": "0", "minutes": "3"},
        {"hours": "25"},
        {"minutes": "-5"},
        {"hours": "١", "minutes": "30x"},
        {"when_text": "w" * 201},
    ]
    for overrides in bad_forms:
        for url in (new, edit):
            response = auth.post(url, _form(community, **overrides), page=new)
            assert response.status_code in (200, 400), (overrides, response.status_code)
    assert _count() == 1
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).title == "Untouched"
    queries = [
        '"',
        "*",
        "NEAR(a b)",
        "a OR",
        "-",
        "title:x",
        "'; DROP TABLE listings; --",
        "x" * 5000,
        "\x00",
        "😀",
        "ـــ",
        ":*&|!",
    ]
    for q in queries:
        for path in ("/listings/", "/people/"):
            response = client.get(f"{base}{path}", query_string={"q": q})
            assert response.status_code == 200, (path, q)
    for args in (
        {"page": "-3"},
        {"page": "abc"},
        {"page": "99999999999"},
        {"category": "x"},
        {"category": "123456789012"},
        {"kind": "zzz"},
        {"language": "zz"},
        {"neighbourhood": "n" * 500},
    ):
        for path in ("/listings/", "/people/"):
            assert client.get(f"{base}{path}", query_string=args).status_code == 200, args
    assert client.get(f"{base}/listings/99999999").status_code == 404
    assert client.get(f"{base}/people/99999999").status_code == 404
    assert _count() == 1


def test_links_in_descriptions_stay_plain_text(auth, client):
    """Descriptions are plain text: a javascript: link is shown, never linked."""
    community, owner = _setup(auth)
    listing = make_listing(owner, description="See javascript:alert(1) or https://example.org")
    body = client.get(f"/c/{community.slug}/listings/{listing.id}").get_data(as_text=True)
    assert "javascript:alert(1)" in body
    assert 'href="javascript' not in body and 'href="https://example.org' not in body


def test_community_home_links_to_listings_people_and_categories(auth, client):
    """Members see links to offers and people; coordinators also to categories."""
    community, _ = _setup(auth)
    make_member(community, email="coord@example.org", role=Role.COORDINATOR)
    home = f"/c/{community.slug}/"
    page = client.get(home).get_data(as_text=True)
    assert f"/c/{community.slug}/listings/" in page and f"/c/{community.slug}/people/" in page
    assert f"/c/{community.slug}/categories/" not in page
    auth.logout()
    auth.login("coord@example.org", PASSWORD)
    assert f"/c/{community.slug}/categories/" in client.get(home).get_data(as_text=True)


def test_empty_states_say_what_to_do_next(auth, client):
    """With nothing posted, the pages invite the member to post."""
    community, _ = _setup(auth)
    base = f"/c/{community.slug}"
    assert "Be the first" in client.get(f"{base}/listings/").get_data(as_text=True)
    assert "You have no listings yet" in client.get(f"{base}/listings/mine").get_data(as_text=True)
    nothing = client.get(f"{base}/listings/?q=zzzz").get_data(as_text=True)
    assert "Nothing matches" in nothing


def test_arabic_reader_searches_without_diacritics(auth, client):
    """An Arabic-first member gets a right-to-left page and finds a vowelled title by
    its plain spelling; user text is marked dir="auto"."""
    community = make_community()
    owner = make_member(community, email="layla@example.org", locale="ar")
    make_listing(owner, title="زِيارَةٌ أسبوعيّة لِجَدّتي", language="ar")
    auth.login("layla@example.org", PASSWORD)
    page = client.get(f"/c/{community.slug}/listings/", query_string={"q": "زيارة"})
    body = page.get_data(as_text=True)
    assert 'dir="rtl"' in body
    assert 'dir="auto">زِيارَةٌ أسبوعيّة لِجَدّتي</a>' in body


def test_a_capped_search_says_more_than(auth, client, monkeypatch):
    """When a search stops counting, the heading says "more than" and how to narrow it."""
    from timebank.services.listings import search

    monkeypatch.setattr(search, "RESULT_CAP", 2)
    community, owner = _setup(auth)
    for n in range(3):
        make_listing(owner, title=f"Garden work {n}")
    body = client.get(f"/c/{community.slug}/listings/?q=garden").get_data(as_text=True)
    assert "More than 2 results for “garden”" in body
    assert "Add words or choose a filter" in body
    body = client.get(f"/c/{community.slug}/listings/").get_data(as_text=True)
    assert "More than 2 listings" in body
