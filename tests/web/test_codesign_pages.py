"""The co-design board's pages: propose, endorse, volunteer, comment, revise, and the
coordinator's adopt and decline; bad input answers 400 next to its field."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select

from tests.codesign_factories import make_proposal
from tests.conftest import csrf_token_from
from tests.factories import PASSWORD, make_community, make_member
from timebank.extensions import db
from timebank.models import Category, Notification, Proposal, ProposalStage, Role


def _login(auth, membership):
    auth.logout()
    assert auth.login(membership.user.email, PASSWORD).status_code == 302


def _token(client, url) -> str:
    return csrf_token_from(client.get(url).get_data(as_text=True))


def _base(community) -> str:
    return f"/c/{community.slug}/codesign/"


def test_a_member_proposes_from_the_board(app, auth, client):
    """The community home links the board; a proposal with a missing need is refused next
    to the field and nothing is saved; a complete one lands on its page."""
    community = make_community()
    amal = make_member(community)
    make_member(community, role=Role.COORDINATOR)
    _login(auth, amal)
    assert _base(community) in client.get(f"/c/{community.slug}/").get_data(as_text=True)
    url = _base(community) + "new"
    data = {
        "csrf_token": _token(client, url),
        "title_en": "Repair café",
        "description_en": "Fix things together.",
        "need": "",
        "audience": "Everyone",
        "frequency": "monthly",
        "checks": ["background", "training"],
    }
    refused = client.post(url, data=data)
    assert refused.status_code == 400
    assert 'id="need-error"' in refused.get_data(as_text=True)
    unknown = client.post(url, data={**data, "need": "Yes", "checks": ["astrology"]})
    assert unknown.status_code == 400 and 'id="checks-error"' in unknown.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0
    done = client.post(url, data={**data, "need": "Things are thrown away."})
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Repair café" in page and "Safeguarding training" in page
    assert "Repair café" in client.get(_base(community)).get_data(as_text=True)


def test_members_endorse_volunteer_and_comment(app, auth, client):
    community = make_community()
    proposal = make_proposal(make_member(community))
    omar = make_member(community)
    _login(auth, omar)
    show = f"{_base(community)}{proposal.id}"
    token = _token(client, show)
    assert client.post(show + "/endorse", data={"csrf_token": token}).status_code == 302
    assert "1 member endorses it." in client.get(show).get_data(as_text=True)
    bad = client.post(show + "/volunteer", data={"csrf_token": token, "hours": "lots"})
    assert bad.status_code == 400 and 'id="hours-error"' in bad.get_data(as_text=True)
    assert (
        client.post(show + "/volunteer", data={"csrf_token": token, "hours": "١٫٥"}).status_code
        == 302
    )
    client.post(show + "/comment", data={"csrf_token": token, "body": "Count me in"})
    page = client.get(show).get_data(as_text=True)
    assert "1 h 30 min a week" in page
    assert "Count me in" in page
    assert client.post(show + "/withdraw", data={"csrf_token": token}).status_code == 302
    assert "0 members endorse it." in client.get(show).get_data(as_text=True)


def test_only_the_proposer_and_coordinators_revise(app, auth, client):
    community = make_community()
    amal = make_member(community)
    proposal = make_proposal(amal)
    _login(auth, make_member(community))
    edit = f"{_base(community)}{proposal.id}/edit"
    assert client.get(edit).status_code == 403
    _login(auth, amal)
    form = {
        "csrf_token": _token(client, edit),
        "title_en": "Repair café",
        "title_ar": "مقهى التصليح",
        "description_en": "Fix things, and learn how.",
        "need": "Things are thrown away.",
        "audience": "Everyone",
        "frequency": "monthly",
    }
    assert client.post(edit, data=form).status_code == 302
    page = client.get(f"{_base(community)}{proposal.id}").get_data(as_text=True)
    assert "Earlier versions" in page and "learn how" in page


def test_a_coordinator_declines_with_a_reason_and_adopts(app, auth, client):
    community = make_community()
    coordinator = make_member(community, role=Role.COORDINATOR)
    declined = make_proposal(make_member(community))
    adopted = make_proposal(make_member(community), title="Walking group", checks="references")
    _login(auth, coordinator)
    url = f"{_base(community)}{declined.id}/decline"
    token = _token(client, url)
    refused = client.post(url, data={"csrf_token": token, "reason": ""})
    assert refused.status_code == 400 and 'id="reason-error"' in refused.get_data(as_text=True)
    assert (
        client.post(url, data={"csrf_token": token, "reason": "Not this year"}).status_code == 302
    )
    assert "Declined: Not this year" in client.get(f"{_base(community)}{declined.id}").get_data(
        as_text=True
    )
    url = f"{_base(community)}{adopted.id}/adopt"
    refused = client.post(url, data={"csrf_token": token, "name_en": "Walking", "name_ar": ""})
    assert refused.status_code == 400 and 'id="name_ar-error"' in refused.get_data(as_text=True)
    done = client.post(url, data={"csrf_token": token, "name_en": "Walking", "name_ar": "المشي"})
    assert done.status_code == 302
    db.session.expire_all()
    proposal = db.session.get_one(Proposal, adopted.id)
    assert proposal.stage == ProposalStage.ADOPTED
    assert db.session.get_one(Category, proposal.category_id).name_ar == "المشي"
    move = f"{_base(community)}{adopted.id}/move"
    assert client.post(move, data={"csrf_token": token, "stage": "running"}).status_code == 302
    db.session.expire_all()
    assert db.session.get_one(Proposal, adopted.id).stage == ProposalStage.RUNNING


def test_the_board_reads_in_arabic(app, auth, client):
    community = make_community()
    amal = make_member(community)
    make_proposal(amal)
    _login(auth, amal)
    amal.user.locale = "ar"
    db.session.commit()
    page = client.get(_base(community)).get_data(as_text=True)
    assert "لوحة التصميم المشترك" in page


def test_a_coordinator_pays_design_hours(app, auth, client):
    """The hours page offers the proposer and volunteers; bad hours stay on the page."""
    from timebank.models import Exchange
    from timebank.services.exchanges import movements

    community = make_community()
    coordinator = make_member(community, role=Role.COORDINATOR)
    amal = make_member(community)
    proposal = make_proposal(amal)
    movements.donate(amal, actor=amal.user, minutes=120, idempotency_key=uuid.uuid4().hex)
    db.session.commit()
    _login(auth, coordinator)
    url = f"{_base(community)}{proposal.id}/hours"
    page = client.get(url).get_data(as_text=True)
    token = csrf_token_from(page)
    data = {"csrf_token": token, "idempotency_key": uuid.uuid4().hex, "member_id": str(amal.id)}
    refused = client.post(url, data={**data, "hours": "many", "reason": "Planning"})
    assert refused.status_code == 400 and 'id="hours-error"' in refused.get_data(as_text=True)
    assert client.post(url, data={**data, "hours": "1", "reason": "Planning"}).status_code == 302
    categories = db.session.scalars(select(Exchange.category).where(Exchange.kind == "grant"))
    assert list(categories) == ["co-design"]


def test_a_proxy_proposes_for_the_member_they_act_for(app, auth, client):
    """The proxy chooses the member; the proposal is theirs, and the coordinator's inbox
    links to it."""
    from timebank.services.community import proxies

    community = make_community()
    coordinator = make_member(community, role=Role.COORDINATOR)
    offline = make_member(community)
    helper = make_member(community)
    proxies.appoint(offline, helper, actor=coordinator.user)
    db.session.commit()
    _login(auth, helper)
    url = _base(community) + "new"
    page = client.get(url).get_data(as_text=True)
    assert offline.user.display_name in page
    data = {
        "csrf_token": csrf_token_from(page),
        "member_id": str(offline.id),
        "title_en": "Tea afternoon",
        "description_en": "Tea and talk.",
        "need": "Loneliness.",
        "audience": "Older neighbours",
        "frequency": "weekly",
    }
    assert client.post(url, data=data).status_code == 302
    proposal = db.session.scalars(select(Proposal)).one()
    assert proposal.proposer_id == offline.id and proposal.created_by_id == helper.user_id
    _login(auth, coordinator)
    inbox = client.get("/notifications/").get_data(as_text=True)
    assert "A member proposed a new service" in inbox
    note = db.session.scalars(
        select(Notification).where(Notification.user_id == coordinator.user_id)
    ).one()
    opened = client.post(
        f"/notifications/{note.id}/open", data={"csrf_token": csrf_token_from(inbox)}
    )
    assert opened.headers["Location"].endswith(f"/codesign/{proposal.id}")


def test_a_coordinator_adopts_a_group_activity_and_records_a_session(app, auth, client):
    """Adopting as a weekly activity with a driving check: a bad time stays on the page;
    a session by a driver without the check is refused next to the members and posts
    nothing; with the check, the hours are posted and the page lists the session; the
    metrics page shows the hours through member-designed services."""
    from timebank.models import Exchange, GroupActivity
    from timebank.services.companionship import safeguarding

    community = make_community()
    coordinator = make_member(community, role=Role.COORDINATOR)
    amal, driver, rider = (make_member(community) for _ in range(3))
    proposal = make_proposal(amal, title="Friday lift", checks="driving")
    _login(auth, coordinator)
    url = f"{_base(community)}{proposal.id}/activity"
    page = client.get(url).get_data(as_text=True)
    assert "Driving licence and insurance seen" in page
    data = {
        "csrf_token": csrf_token_from(page),
        "category_key": "transport",
        "frequency": "weekly",
        "weekday": "4",
        "starts_at": "17:60",
        "hours": "1",
        "checks": ["driving"],
    }
    refused = client.post(url, data=data)
    assert refused.status_code == 400 and 'id="starts_at-error"' in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(GroupActivity)) == 0
    assert client.post(url, data={**data, "starts_at": "١٧:٠٠"}).status_code == 302
    shown = client.get(f"{_base(community)}{proposal.id}").get_data(as_text=True)
    assert "Every week, Friday at 17:00, for 1 h" in shown

    url = f"{_base(community)}{proposal.id}/activity/session"
    page = client.get(url).get_data(as_text=True)
    session = {
        "csrf_token": csrf_token_from(page),
        "idempotency_key": uuid.uuid4().hex,
        "shape": "one_to_many",
        "one": str(driver.member_number),
        "many": f"{amal.member_number}, {rider.member_number}",
        "hours": "1",
        "service_date": date.today().isoformat(),
    }
    refused = client.post(url, data=session)
    assert refused.status_code == 400 and 'id="many-error"' in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Exchange)) == 0
    strangers = {**session, "one": "9999", "many": f"{amal.member_number} 9998"}
    unknown = client.post(url, data=strangers)
    said = unknown.get_data(as_text=True)
    assert unknown.status_code == 400
    assert "No member of this community has this number." in said
    assert "No member has the number 9998" in said
    assert db.session.scalar(select(func.count()).select_from(Exchange)) == 0
    safeguarding.record_check(
        driver, actor=coordinator.user, check_type="driving", checked_on=date.today(),
        expires_on=None,
    )  # fmt: skip
    db.session.commit()
    assert client.post(url, data=session).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Exchange)) == 2
    assert "Latest sessions" in client.get(f"{_base(community)}{proposal.id}").get_data(
        as_text=True
    )
    figures = client.get(f"/c/{community.slug}/metrics/").get_data(as_text=True)
    assert "Hours through member-designed services" in figures


def test_the_board_comes_in_pages(app, auth, client):
    community = make_community()
    amal = make_member(community)
    for n in range(27):
        make_proposal(amal, title=f"Idea {n}")
    _login(auth, amal)
    first = client.get(_base(community)).get_data(as_text=True)
    assert first.count('class="card"') == 25 and 'rel="next"' in first
    second = client.get(_base(community) + "?page=2").get_data(as_text=True)
    assert second.count('class="card"') == 2 and "Idea 0" in second


def test_an_activity_on_monday_keeps_its_day(app, auth, client):
    """Monday is the select's "0": it is a day, not "no day chosen"."""
    community = make_community()
    coordinator = make_member(community, role=Role.COORDINATOR)
    proposal = make_proposal(make_member(community), title="Monday walk")
    _login(auth, coordinator)
    url = f"{_base(community)}{proposal.id}/activity"
    page = client.get(url).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token_from(page),
        "category_key": "transport",
        "frequency": "weekly",
        "weekday": "0",
        "starts_at": "10:00",
        "hours": "1",
    }
    assert client.post(url, data=data).status_code == 302
    shown = client.get(f"{_base(community)}{proposal.id}").get_data(as_text=True)
    assert "Every week, Monday at 10:00, for 1 h" in shown
