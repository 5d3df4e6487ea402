"""An exchange recorded from an offer or request keeps it (issue 14, point 6): the exchange
page links the listing, the listing page shows its exchanges to those allowed and the hours
it produced, and the hours per listing category can be counted. And the community's name
and tagline in both languages (point 7): coordinators edit them, readers see theirs."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, make_community, make_member, make_user
from tests.listing_factories import category, make_listing
from tests.services.test_exchange_notices import ISOLATES
from tests.web.test_conversations import _respond
from timebank.extensions import db
from timebank.models import AuditEvent, Conversation, Exchange, Notification, OutboxMessage, Role
from timebank.services.community import communities, memberships
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.exchanges import lifecycle, listing_hours
from timebank.services.ledger import posting as ledger


@pytest.fixture
def bank(app):
    community = make_community()
    people = {
        "owner": make_member(community, email="owner@example.org", name="Layla Owner"),
        "helper": make_member(community, email="helper@example.org", name="Hadi Helper"),
        "nosy": make_member(community, email="nosy@example.org"),
        "coord": make_member(community, email="coord@example.org", role=Role.COORDINATOR),
    }
    ledger.ensure_accounts(community)
    listing = make_listing(
        people["owner"], kind="request", title="Help with forms", key="paperwork"
    )
    return community, people, listing


def _record_from_conversation(auth, community, listing) -> Exchange:
    auth.login("helper@example.org", PASSWORD)
    _respond(auth, community, listing)
    conversation = db.session.scalar(select(Conversation))
    url = f"/c/{community.slug}/conversations/{conversation.id}/exchange"
    response = auth.post(
        url, {"direction": "gave", "service_date": date.today().isoformat(), "minutes": "45",
              "idempotency_key": "from-listing-0001"}, page=url,
    )  # fmt: skip
    assert response.status_code == 302
    return db.session.scalar(select(Exchange))


def test_an_exchange_from_a_conversation_keeps_its_listing_and_both_pages_show_it(auth, bank):
    community, p, listing = bank
    exchange = _record_from_conversation(auth, community, listing)
    assert exchange.listing_id == listing.id
    page = auth.client.get(f"/c/{community.slug}/hours/exchanges/{exchange.id}").get_data(
        as_text=True
    )
    assert "Recorded from" in page and f"/listings/{listing.id}" in page
    assert "Help with forms" in page
    lifecycle.confirm(exchange, actor=p["owner"].user)
    db.session.commit()
    detail = f"/c/{community.slug}/listings/{listing.id}"
    for email in ("helper@example.org", "owner@example.org", "coord@example.org"):
        auth.logout()
        auth.login(email, PASSWORD)
        page = auth.client.get(detail).get_data(as_text=True)
        assert "Exchanges from this listing" in page, email
        assert "Hours exchanged: 45 min" in page and f"/hours/exchanges/{exchange.id}" in page
    auth.logout()
    auth.login("nosy@example.org", PASSWORD)
    page = auth.client.get(detail).get_data(as_text=True)
    assert "Help with forms" in page and "Exchanges from this listing" not in page


def test_hours_per_listing_category_and_the_listing_must_be_the_communitys(bank):
    community, p, listing = bank
    owner, helper = p["owner"], p["helper"]

    def record(minutes, key, listing_=listing, day=date(2026, 11, 2)):
        exchange = lifecycle.record(
            community, actor=helper.user, provider=helper, recipient=owner, minutes=minutes,
            service_date=day, category="paperwork", idempotency_key=key, listing=listing_,
        )  # fmt: skip
        lifecycle.confirm(exchange, actor=owner.user)
        db.session.commit()
        return exchange

    record(60, "per-category-01")
    record(30, "per-category-02", day=date(2026, 10, 1))
    other = make_listing(owner, title="Garden", key="gardening")
    reversed_ = record(90, "per-category-03", listing_=other)
    lifecycle.reverse(reversed_, actor=p["coord"].user, reason="Twice")
    record(15, "per-category-04", listing_=None)  # not from a listing: not counted
    db.session.commit()
    paperwork, gardening = category(community, "paperwork"), category(community, "gardening")
    assert listing_hours.minutes_by_listing_category(community) == {paperwork.id: 90}
    assert listing_hours.minutes_by_listing_category(community, start=date(2026, 11, 1)) == {
        paperwork.id: 60
    }
    assert gardening.id not in listing_hours.minutes_by_listing_category(community)
    stranger_listing = make_listing(make_member(make_community()), title="Elsewhere")
    with pytest.raises(InvalidInput) as info:
        record(10, "per-category-05", listing_=stranger_listing)
    assert info.value.field == "listing"
    db.session.rollback()


def test_coordinators_edit_the_name_and_tagline_in_both_languages(auth, bank):
    community, p, _listing = bank
    url = f"/c/{community.slug}/settings/details"
    auth.login("nosy@example.org", PASSWORD)
    assert auth.client.get(url).status_code in (403, 404)
    auth.logout()
    auth.login("coord@example.org", PASSWORD)
    assert "Tagline in Arabic" in auth.client.get(url).get_data(as_text=True)
    bad = auth.post(url, {"name": "  ", "name_ar": "بنك", "tagline": "", "tagline_ar": ""},
                    page=url)  # fmt: skip
    assert bad.status_code == 400 and "Enter the name of the time bank." in bad.get_data(
        as_text=True
    )
    db.session.refresh(community)
    assert community.name.startswith("Bank")
    saved = auth.post(
        url, {"name": "Riverside Time Bank", "name_ar": "بنك وقت ضفة النهر",
              "tagline": "Neighbours helping neighbours", "tagline_ar": "جيران يساعدون جيرانهم"},
        page=url,
    )  # fmt: skip
    assert saved.status_code == 302
    home = auth.client.get(f"/c/{community.slug}/").get_data(as_text=True)
    assert "Riverside Time Bank" in home and "Neighbours helping neighbours" in home
    p["coord"].user.locale = "ar"
    db.session.commit()
    home = auth.client.get(f"/c/{community.slug}/").get_data(as_text=True)
    assert "بنك وقت ضفة النهر" in home and "جيران يساعدون جيرانهم" in home
    assert "Neighbours helping neighbours" not in home
    assert db.session.scalar(
        select(AuditEvent.details).where(AuditEvent.action == "community.update")
    ) == {"changed": ["description", "description_ar", "name", "name_ar"]}


def test_the_details_service_refuses_members_and_long_values(bank):
    community, p, _listing = bank
    with pytest.raises(NotAllowed):
        communities.update_details(community, actor=p["nosy"].user, name="X", name_ar=None,
                                   tagline=None, tagline_ar=None)  # fmt: skip
    with pytest.raises(InvalidInput) as info:
        communities.update_details(community, actor=p["coord"].user, name="X", name_ar=None,
                                   tagline=None, tagline_ar="ب" * 301)  # fmt: skip
    assert info.value.field == "tagline_ar"
    db.session.rollback()
    # Without an Arabic tagline the Arabic reader sees the English one, and the reverse.
    community.description, community.description_ar = "Only English", None
    assert community.tagline("ar") == "Only English" and community.tagline("en") == "Only English"
    community.description, community.description_ar = None, "بالعربية فقط"
    assert community.tagline("en") == "بالعربية فقط"
    community.name_ar = None
    assert community.display_name("ar") == community.name


def test_a_welcome_e_mail_names_the_community_in_the_readers_language(bank):
    community, p, _listing = bank
    applicant = make_user(email="new@example.org", locale="ar")
    membership = memberships.apply(applicant, community, motivation="I cook")
    memberships.approve(membership, actor=p["coord"].user)
    db.session.commit()
    mail = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient_id == applicant.id)
    )
    assert community.name_ar in mail.subject and community.name not in mail.body


def test_the_inbox_says_what_who_and_how_long(auth, bank):
    community, p, listing = bank
    exchange = _record_from_conversation(auth, community, listing)
    lifecycle.reject(exchange, actor=p["owner"].user, reason="Not yet done")
    db.session.commit()
    assert db.session.scalar(select(Notification.kind).where(
        Notification.user_id == p["helper"].user_id)) == "exchange_decided"  # fmt: skip
    page = auth.client.get("/notifications/").get_data(as_text=True).translate(ISOLATES)
    assert "Layla Owner rejected your exchange" in page
    assert "45 min" in page and "Reason: Not yet done" in page
    p["helper"].user.locale = "ar"
    db.session.commit()
    page = auth.client.get("/notifications/").get_data(as_text=True).translate(ISOLATES)
    assert "رفض Layla Owner تبادلك" in page and "٤٥ د" in page
