"""The demo's offers and requests name places of the community's list (one entry per
place, whatever language the owner wrote in) and some say how long the help takes."""

from __future__ import annotations

from sqlalchemy import select

from timebank.extensions import db
from timebank.models import Community, Listing, Profile
from timebank.services.auth import users
from timebank.services.listings import search, showcase


def test_demo_listings_name_entries_of_the_list_and_some_durations(demo):
    community: Community = demo
    rows = db.session.scalars(select(Listing).where(Listing.community_id == community.id)).all()
    assert rows and all(r.neighbourhood_id is not None and r.neighbourhood is None for r in rows)
    assert len({r.duration_minutes for r in rows if r.duration_minutes}) >= 3
    places = dict(search.listing_neighbourhoods(community, "ar"))
    assert "حي الميناء" in places.values() and "Harbour" not in places.values()
    # Salma lives in the Old Town: its listings come first on her home.
    salma = users.find_by_email("salma@example.org").membership_in(community.id)
    profile = db.session.scalar(select(Profile).where(Profile.membership_id == salma.id))
    nearby = showcase.near_member(salma)
    assert nearby.neighbourhood_id == profile.neighbourhood_id
    assert nearby.items and nearby.items[0].near and nearby.items[0].place_en == "Old Town"
