"""Notifications about a listing, a proposal or a companionship match say who did what,
in the inbox and in the e-mail, in both languages, with member text isolated."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from tests.companion_factories import make_arrangement, make_notification, make_request
from tests.factories import PASSWORD, make_community, make_member
from tests.listing_factories import make_listing
from timebank.extensions import db
from timebank.models import Notification, OutboxMessage, Role
from timebank.services.codesign import proposals
from timebank.services.codesign.proposals import ProposalInput
from timebank.services.messaging import conversations, titles


@pytest.fixture
def bank(app):
    community = make_community()
    return {
        "community": community,
        "salma": make_member(community, name="Salma Haddad", email="salma@example.org"),
        "omar": make_member(community, name="عمر", email="omar@example.org"),
        "coordinator": make_member(community, role=Role.COORDINATOR, email="c@example.org"),
    }


def _note(user_id: int, kind: str) -> Notification:
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user_id, Notification.kind == kind)
    ).one()


def _inbox(auth, email: str) -> str:
    auth.login(email, PASSWORD)
    return auth.client.get("/notifications/").get_data(as_text=True)


def test_a_response_names_who_responded_to_which_offer(auth, bank):
    """The owner reads "Salma Haddad responded to your offer “…”", the name and the title
    isolated and the title marked with its language; the e-mail says the same."""
    listing = make_listing(bank["omar"], title="Help with the garden", kind="offer")
    conversations.respond(listing, actor=bank["salma"].user, body="I can come on Monday")
    db.session.commit()
    letter = db.session.scalars(select(OutboxMessage)).one()
    assert letter.subject == (
        "\u2068Salma Haddad\u2069 responded to your offer “\u2068Help with the garden\u2069”"
    )
    page = _inbox(auth, "omar@example.org")
    assert (
        '<bdi dir="auto">Salma Haddad</bdi> responded to your offer '
        '“<bdi lang="en" dir="auto">Help with the garden</bdi>”'
    ) in page
    assert "Someone responded" not in page
    assert "Read the message and reply in the conversation." in page


def test_a_match_names_the_other_person_for_each_side(bank):
    """The volunteer hears whom they visit, the visited member who visits them."""
    request = make_request(bank["omar"])
    arrangement = make_arrangement(request, bank["salma"], bank["coordinator"].user)
    notes = [
        make_notification(m.user, bank["community"], kind="matched",
                          object_type="companionship_arrangements", object_id=arrangement.id)
        for m in (bank["salma"], bank["omar"])
    ]  # fmt: skip
    found = titles.describe_notes(notes, "en")
    assert 'matched with <bdi dir="auto">عمر</bdi>' in found[notes[0].id].title
    assert 'matched with <bdi dir="auto">Salma Haddad</bdi>' in found[notes[1].id].title
    with force_locale("ar"):
        arabic = titles.describe_notes(notes, "ar")[notes[1].id]
    assert "Salma Haddad" in arabic.title and "matched" not in arabic.title
    assert str(arabic.text)


def test_a_proposal_notice_names_the_proposal_and_its_stage(bank):
    """The proposer reads which proposal moved to which stage; the endorser which
    proposal was adopted."""
    data = ProposalInput(title_en="Repair café", title_ar="مقهى التصليح",
                         description_en="Fix things.", need="Waste", audience="All",
                         frequency="monthly", checks=[])  # fmt: skip
    proposal = proposals.propose(bank["omar"], actor=bank["omar"].user, data=data, language="en")
    proposals.endorse(proposal, actor=bank["salma"].user)
    coordinator = bank["coordinator"].user
    proposals.move(proposal, actor=coordinator, stage="discussion")
    stage = titles.describe_notes([_note(bank["omar"].user_id, "proposal_stage")], "en")
    repair = '“<bdi lang="en" dir="auto">Repair café</bdi>”'
    assert f"Your proposal {repair} is now under discussion" in next(iter(stage.values())).title
    proposals.adopt(proposal, actor=coordinator, name_en="Repair café", name_ar="مقهى التصليح")
    stages = db.session.scalars(
        select(Notification).where(Notification.kind == "proposal_stage").order_by(Notification.id)
    ).all()
    titles_now = [str(n.title) for n in titles.describe_notes(stages, "en").values()]
    assert [t.rsplit("”", 1)[1] for t in titles_now] == [" moved to a new stage", " was adopted"]
    note = _note(bank["salma"].user_id, "proposal_adopted")
    with force_locale("ar"):
        adopted = titles.describe_notes([note], "ar")[note.id]
    assert '<bdi lang="ar" dir="auto">مقهى التصليح</bdi>' in adopted.title
    subjects = db.session.scalars(select(OutboxMessage.subject)).all()
    assert "The proposal “\u2068Repair café\u2069” you endorsed was adopted" in subjects


def test_the_api_inbox_says_who_did_what_as_the_inbox_does(client, bank):
    """``GET /api/v1/notifications`` gives the same title and sentence as the inbox, as
    plain text with the names isolated (no markup), in the client's language."""
    from timebank.database import transaction
    from timebank.services.auth import tokens

    listing = make_listing(bank["omar"], title="Help with the garden", kind="offer")
    conversations.respond(listing, actor=bank["salma"].user, body="I can come on Monday")
    db.session.commit()
    secret = transaction(
        lambda: tokens.create(bank["omar"].user, name="phone", scopes=["read"], expires_on=None)
    ).secret
    item = client.get(
        "/api/v1/notifications", headers={"Authorization": f"Bearer {secret}"}
    ).get_json()["items"][0]
    assert item["text"] == (
        "\u2068Salma Haddad\u2069 responded to your offer “\u2068Help with the garden\u2069”"
    )
    assert item["detail"] == "Read the message and reply in the conversation."
    arabic = client.get(
        "/api/v1/notifications",
        headers={"Authorization": f"Bearer {secret}", "Accept-Language": "ar"},
    ).get_json()["items"][0]
    assert "\u2068Salma Haddad\u2069" in arabic["text"] and "<bdi" not in arabic["text"]
    assert arabic["text"] != item["text"]
