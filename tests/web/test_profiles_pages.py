"""Profiles: members choose what others see; contact details stay hidden by default;
coordinators see everything."""

from __future__ import annotations

from tests.factories import PASSWORD, make_community, make_member
from timebank.extensions import db
from timebank.models import Profile, Role
from timebank.services.community import profiles

PHONE, ADDRESS = "+961 1 234 567", "12 Cedar Street"


def _fill(membership, shown):
    profiles.update(
        membership,
        actor=membership.user,
        data=profiles.ProfileInput(
            display_name=membership.user.display_name,
            bio="I love cooking.",
            phone=PHONE,
            address=ADDRESS,
            skills="Baking bread",
            languages=("ar", "en"),
            shown=frozenset(shown),
        ),
    )
    db.session.commit()


def _pages(client, community, membership):
    base = f"/c/{community.slug}"
    return [
        client.get(url).get_data(as_text=True)
        for url in (f"{base}/people/{membership.id}", f"{base}/people/", f"{base}/people/?q=salma")
    ]


def test_contact_details_are_hidden_from_members_by_default(auth, client):
    """Another member sees neither phone, e-mail nor address; the owner and a
    coordinator see all three."""
    community = make_community()
    salma = make_member(community, email="salma@example.org", name="Salma")
    make_member(community, email="other@example.org")
    make_member(community, email="coord@example.org", role=Role.COORDINATOR)
    _fill(salma, profiles.PUBLIC_BY_DEFAULT)
    auth.login("other@example.org", PASSWORD)
    for page in _pages(client, community, salma):
        assert PHONE not in page and ADDRESS not in page and "salma@example.org" not in page
    assert "Baking bread" in _pages(client, community, salma)[0]
    for email in ("salma@example.org", "coord@example.org"):
        auth.logout()
        auth.login(email, PASSWORD)
        profile_page = _pages(client, community, salma)[0]
        assert PHONE in profile_page and ADDRESS in profile_page
        assert "salma@example.org" in profile_page


def test_a_member_chooses_what_to_show(auth, client):
    """Showing the phone reveals only the phone; hiding skills hides them (and from
    search)."""
    community = make_community()
    salma = make_member(community, email="salma@example.org", name="Salma")
    make_member(community, email="other@example.org")
    _fill(salma, {"phone", "bio"})
    auth.login("other@example.org", PASSWORD)
    page = _pages(client, community, salma)[0]
    assert PHONE in page and "I love cooking." in page
    assert ADDRESS not in page and "Baking bread" not in page
    search = client.get(f"/c/{community.slug}/people/?q=baking").get_data(as_text=True)
    assert "Salma" not in search.split("<main", 1)[1].split("</form>", 1)[1]


def test_member_edits_their_profile_through_the_form(auth, client):
    """The form saves every field and the visibility choices; errors keep the input."""
    community = make_community()
    me = make_member(community, email="me@example.org")
    auth.login("me@example.org", PASSWORD)
    url = f"/c/{community.slug}/profile/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'id="shown-phone"' in page and 'id="shown-skills" value="skills" checked' in page
    bad = auth.post(url, {"display_name": "", "bio": "Kept bio"}, page=url)
    assert bad.status_code == 200 and "Kept bio" in bad.get_data(as_text=True)
    response = auth.post(
        url,
        {
            "display_name": "Layla M.",
            "bio": "Retired teacher",
            "languages": ["ar", "fr"],
            "neighbourhood": "Harbour",
            "phone": PHONE,
            "shown": ["bio", "phone"],
        },
        page=url,
    )
    assert response.status_code == 302
    db.session.expire_all()
    profile = db.session.query(Profile).filter_by(membership_id=me.id).one()
    assert (profile.bio, profile.languages, profile.phone) == ("Retired teacher", "ar fr", PHONE)
    assert profile.show_phone and not profile.show_skills and not profile.show_address
    assert me.user.display_name == "Layla M."
    rejected = auth.post(url, {"display_name": "X", "languages": ["xx"]}, page=url)
    assert "Choose languages from the list." in rejected.get_data(as_text=True)


def test_directory_filters_by_shown_language_and_neighbourhood(auth, client):
    """Language and neighbourhood filters only use what members show."""
    community = make_community()
    shown = make_member(community, email="a@example.org", name="Amal")
    hidden = make_member(community, email="b@example.org", name="Basma")
    for membership, parts in ((shown, {"languages", "neighbourhood"}), (hidden, set())):
        profiles.update(
            membership,
            actor=membership.user,
            data=profiles.ProfileInput(
                display_name=membership.user.display_name,
                languages=("fr",),
                neighbourhood="Harbour",
                shown=frozenset(parts),
            ),
        )
    db.session.commit()
    auth.login("a@example.org", PASSWORD)
    base = f"/c/{community.slug}/people/"
    for query in ("?language=fr", "?neighbourhood=Harbour"):
        results = client.get(base + query).get_data(as_text=True).split("</form>", 1)[1]
        assert "Amal" in results and "Basma" not in results


def test_another_members_profile_offers_a_report_link_in_the_page_not_its_title(auth, client):
    """The page title is plain text; the report link sits in the page, once, and not on
    one's own profile."""
    community = make_community()
    salma = make_member(community, email="salma@example.org", name="Salma")
    other = make_member(community, email="other@example.org")
    auth.login("other@example.org", PASSWORD)
    page = _pages(client, community, salma)[0]
    title = page[page.index("<title>") : page.index("</title>")]
    assert "<" not in title.removeprefix("<title>") and "Report" not in title
    assert page.count("Report this member to the coordinators") == 1
    own = client.get(f"/c/{community.slug}/people/{other.id}").get_data(as_text=True)
    assert "Report this member" not in own
