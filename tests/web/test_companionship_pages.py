"""The companionship pages: a request, a match to a checked volunteer, a logged visit with a
concern, the coordinators' alert; safeguarding pages; privacy, escaping and bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.companion_factories import make_arrangement, make_check, make_request
from tests.factories import PASSWORD, make_community, make_member
from timebank.extensions import db
from timebank.models import (
    Arrangement,
    AuditEvent,
    CheckType,
    CompanionshipRequest,
    Exchange,
    Notification,
    OutboxMessage,
    Role,
    SafeguardingCheck,
    Visit,
    utcnow,
)
from timebank.services.ledger import verification

XSS = '<script>alert("x")</script>'


@pytest.fixture
def bank(app):
    community = make_community()
    people = {
        "elder": make_member(community, email="elder@example.org"),
        "volunteer": make_member(community, email="vol@example.org"),
        "other": make_member(community, email="other@example.org"),
        "coord": make_member(community, email="coord@example.org", role=Role.COORDINATOR),
        "coord2": make_member(community, email="coord2@example.org", role=Role.COORDINATOR),
    }
    return community, people


def _base(community) -> str:
    return f"/c/{community.slug}/companionship"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_request_match_visit_concern_through_the_pages(auth, bank):
    """Member asks → coordinator matches a checked volunteer → volunteer logs a visit with
    a concern → the exchange exists, the ledger verifies, every coordinator is alerted."""
    community, p = bank
    base = _base(community)
    auth.login("elder@example.org", PASSWORD)
    response = auth.post(
        f"{base}/new",
        {"kind": "home_visit", "frequency": "weekly", "preferred_times": "Tuesdays",
         "language": "en", "coordinator_notes": "Door code 1234"},
        page=f"{base}/new",
    )  # fmt: skip
    assert response.status_code == 302
    request = db.session.scalar(select(CompanionshipRequest))
    assert request.recipient_id == p["elder"].id
    auth.logout()

    for check_type in (CheckType.BACKGROUND, CheckType.REFERENCES):
        make_check(p["volunteer"], p["coord"].user, check_type)
    auth.login("coord@example.org", PASSWORD)
    match_url = f"{base}/requests/{request.id}/match"
    assert p["volunteer"].user.display_name in auth.client.get(match_url).get_data(as_text=True)
    response = auth.post(match_url, {"volunteer_id": str(p["volunteer"].id)}, page=match_url)
    assert response.status_code == 302
    arrangement = db.session.scalar(select(Arrangement))
    assert arrangement.status.value == "active"
    auth.logout()

    auth.login("vol@example.org", PASSWORD)
    visit_url = f"{base}/arrangements/{arrangement.id}/visit"
    response = auth.post(
        visit_url,
        {"service_date": utcnow().date().isoformat(), "minutes": "75", "wellbeing": "concern",
         "concern_note": "No heating in the flat", "idempotency_key": "visit-page-test-1"},
        page=visit_url,
    )  # fmt: skip
    assert response.status_code == 302
    visit = db.session.scalar(select(Visit))
    exchange = db.session.get(Exchange, visit.exchange_id)
    assert (exchange.category, exchange.minutes) == ("companionship", 75)
    assert verification.verify_community(community).ok
    alerted = set(
        db.session.scalars(select(Notification.user_id).where(Notification.kind == "concern"))
    )
    assert alerted == {p["coord"].user_id, p["coord2"].user_id}
    assert {p["coord"].user_id, p["coord2"].user_id} <= set(
        db.session.scalars(select(OutboxMessage.recipient_id))
    )
    assert (
        db.session.scalar(select(func.count()).where(AuditEvent.action == "companionship.concern"))
        == 1
    )
    auth.logout()

    auth.login("coord@example.org", PASSWORD)
    concerns = auth.client.get(f"{base}/concerns").get_data(as_text=True)
    assert "No heating in the flat" in concerns


def test_a_double_submitted_visit_is_logged_once(auth, bank):
    """The same form submitted twice records one visit and one exchange."""
    community, p = bank
    request = make_request(p["elder"], kind="call")
    arrangement = make_arrangement(request, p["volunteer"], p["coord"].user)
    auth.login("vol@example.org", PASSWORD)
    url = f"{_base(community)}/arrangements/{arrangement.id}/visit"
    data = {"service_date": "2026-11-20", "minutes": "30", "wellbeing": "all_well",
            "idempotency_key": "visit-twice-000001"}  # fmt: skip
    assert auth.post(url, data, page=url).status_code == 302
    assert auth.post(url, data, page=url).status_code == 302
    assert (_count(Visit), _count(Exchange)) == (1, 1)


def test_unchecked_volunteer_sees_the_plain_reason(auth, bank):
    """Without valid checks the offer button is replaced by the reason."""
    community, p = bank
    request = make_request(p["elder"])
    auth.login("vol@example.org", PASSWORD)
    page = auth.client.get(f"{_base(community)}/requests/{request.id}").get_data(as_text=True)
    assert "Background (criminal record) check" in page and "References" in page
    url = f"{_base(community)}/requests/{request.id}/offer"
    auth.post(url, {}, page=f"{_base(community)}/requests/{request.id}")
    assert _count(Arrangement) == 0


def test_coordinator_notes_are_for_coordinators_only(auth, bank):
    """Other members never see a request's private notes; coordinators do."""
    community, p = bank
    request = make_request(p["elder"], notes="Private: hard of hearing")
    url = f"{_base(community)}/requests/{request.id}"
    auth.login("other@example.org", PASSWORD)
    assert "hard of hearing" not in auth.client.get(url).get_data(as_text=True)
    auth.logout()
    auth.login("coord@example.org", PASSWORD)
    assert "hard of hearing" in auth.client.get(url).get_data(as_text=True)


def test_arrangements_are_private_to_their_people(auth, bank):
    """A member who is neither volunteer nor recipient gets 404 on an arrangement."""
    community, p = bank
    arrangement = make_arrangement(make_request(p["elder"]), p["volunteer"], p["coord"].user)
    auth.login("other@example.org", PASSWORD)
    base = f"{_base(community)}/arrangements/{arrangement.id}"
    assert auth.client.get(base).status_code == 404
    assert auth.client.get(f"{base}/visit").status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"service_date": "yesterday", "minutes": "60", "wellbeing": "all_well"},
        {"service_date": "2026-11-20", "minutes": "-5", "wellbeing": "all_well"},
        {"service_date": "2026-11-20", "minutes": "9" * 30, "wellbeing": "all_well"},
        {"service_date": "2026-11-20", "minutes": "60", "wellbeing": "concern"},
        {"service_date": "2999-01-01", "minutes": "60", "wellbeing": "all_well"},
        {"service_date": "2026-11-20", "minutes": "60", "wellbeing": "maybe"},
        {
            "service_date": "2026-11-20",
            "minutes": "60",
            "wellbeing": "concern",
            "concern_note": "\x00",
        },
    ],
)
def test_bad_visit_input_is_refused_and_nothing_saved(auth, bank, data):
    """Bad visit input answers 400 with the input kept; no visit or exchange is saved."""
    community, p = bank
    arrangement = make_arrangement(make_request(p["elder"]), p["volunteer"], p["coord"].user)
    for check_type in (CheckType.BACKGROUND, CheckType.REFERENCES):
        make_check(p["volunteer"], p["coord"].user, check_type)
    auth.login("vol@example.org", PASSWORD)
    url = f"{_base(community)}/arrangements/{arrangement.id}/visit"
    response = auth.post(url, data, page=url)
    assert response.status_code == 400
    assert 'class="error-summary"' in response.get_data(as_text=True) or "flash-error" in (
        response.get_data(as_text=True)
    )
    assert (_count(Visit), _count(Exchange)) == (0, 0)


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "party", "frequency": "weekly", "language": "en"},
        {"kind": "call", "frequency": "hourly", "language": "en"},
        {"kind": "call", "frequency": "weekly", "language": "xx"},
        {"kind": "call", "frequency": "weekly", "language": "en", "preferred_times": "x" * 300},
        {"kind": "call", "frequency": "weekly", "language": "en", "coordinator_notes": "\x1b[2J"},
    ],
)
def test_bad_request_input_saves_nothing(auth, bank, data):
    """Bad companionship requests are refused with a message; nothing is stored."""
    community, _p = bank
    auth.login("elder@example.org", PASSWORD)
    url = f"{_base(community)}/new"
    response = auth.post(url, data, page=url)
    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True) or "flash-error" in (
        response.get_data(as_text=True)
    )
    assert _count(CompanionshipRequest) == 0


def test_payloads_in_companionship_texts_come_back_escaped(auth, bank):
    """Request times and notes, concern notes and check notes are escaped on every page."""
    community, p = bank
    request = make_request(p["elder"], notes=XSS)
    request.preferred_times = XSS
    db.session.commit()
    for check_type in (CheckType.BACKGROUND, CheckType.REFERENCES):
        make_check(p["volunteer"], p["coord"].user, check_type)
    arrangement = make_arrangement(request, p["volunteer"], p["coord"].user)
    auth.login("vol@example.org", PASSWORD)
    url = f"{_base(community)}/arrangements/{arrangement.id}/visit"
    data = {"service_date": "2026-11-20", "minutes": "30", "wellbeing": "concern",
            "concern_note": XSS, "idempotency_key": "visit-xss-0000001"}  # fmt: skip
    assert auth.post(url, data, page=url).status_code == 302
    auth.logout()
    auth.login("coord@example.org", PASSWORD)
    checks = f"/c/{community.slug}/safeguarding/members/{p['other'].id}"
    response = auth.post(
        checks, {"check_type": "interview", "checked_on": "2026-11-01", "note": XSS}, page=checks
    )
    assert response.status_code == 302
    base = _base(community)
    for page in (
        f"{base}/?status=matched",
        f"{base}/requests/{request.id}",
        f"{base}/requests/{request.id}/match",
        f"{base}/arrangements/{arrangement.id}",
        f"{base}/concerns",
        checks,
    ):
        body = auth.client.get(page).get_data(as_text=True)
        assert "<script>alert" not in body, page
    assert "&lt;script&gt;" in auth.client.get(f"{base}/concerns").get_data(as_text=True)


def test_coordinator_records_and_withdraws_checks_and_changes_requirements(auth, bank):
    """Checks recorded and withdrawn through the pages; a requirement change applies."""
    community, p = bank
    auth.login("coord@example.org", PASSWORD)
    url = f"/c/{community.slug}/safeguarding/members/{p['volunteer'].id}"
    bad = auth.post(
        url, {"check_type": "background", "checked_on": "2026-11-01", "expires_on": "2020-01-01"},
        page=url,
    )  # fmt: skip
    assert bad.status_code == 400 and _count(SafeguardingCheck) == 0
    assert "2020-01-01" in bad.get_data(as_text=True)  # input kept
    ok = auth.post(
        url, {"check_type": "background", "checked_on": "2026-11-01", "expires_on": "2027-11-01"},
        page=url,
    )  # fmt: skip
    assert ok.status_code == 302
    check = db.session.scalar(select(SafeguardingCheck))
    revoke = f"/c/{community.slug}/safeguarding/checks/{check.id}/revoke"
    assert "Withdraw this check?" in auth.client.get(revoke).get_data(as_text=True)
    assert auth.post(revoke, {}, page=revoke).status_code == 302
    db.session.refresh(check)
    assert check.revoked_at is not None
    req_url = f"/c/{community.slug}/safeguarding/requirements"
    response = auth.post(
        req_url, {"category_key": "companionship", "kind": "call", "check_types": ["training"]},
        page=req_url,
    )  # fmt: skip
    assert response.status_code == 302
    assert "Safeguarding training" in auth.client.get(req_url).get_data(as_text=True)
    bad = auth.post(req_url, {"category_key": "nope", "kind": ""}, page=req_url)
    assert bad.status_code == 400


def test_coordinator_asks_on_behalf_of_a_member(auth, bank):
    """A coordinator chooses the member the request is for."""
    community, p = bank
    auth.login("coord@example.org", PASSWORD)
    url = f"{_base(community)}/new"
    response = auth.post(
        url, {"member_id": str(p["elder"].id), "kind": "call", "frequency": "once",
              "language": "ar"}, page=url,
    )  # fmt: skip
    assert response.status_code == 302
    request = db.session.scalar(select(CompanionshipRequest))
    assert request.recipient_id == p["elder"].id
    assert request.requested_by_id == p["coord"].user_id


def test_empty_states_say_what_to_do_next(auth, bank):
    """Empty lists explain the next step."""
    community, _p = bank
    auth.login("coord@example.org", PASSWORD)
    assert "Anyone who would like company" in auth.client.get(f"{_base(community)}/").get_data(
        as_text=True
    )
    assert "No concerns have been raised" in auth.client.get(
        f"{_base(community)}/concerns"
    ).get_data(as_text=True)


def test_expiring_checks_show_on_the_safeguarding_page(auth, bank):
    """A check expiring within 30 days is listed for coordinators."""
    community, p = bank
    make_check(p["volunteer"], p["coord"].user, days=10)
    auth.login("coord@example.org", PASSWORD)
    body = auth.client.get(f"/c/{community.slug}/safeguarding/").get_data(as_text=True)
    assert "Checks expiring within 30 days" in body
    assert body.count("Background (criminal record) check") == 1


def test_the_coordinator_lands_on_the_tab_with_work_and_sees_which_is_current(auth, bank):
    """No open request but one matched: opening companionship shows the matched ones,
    that tab marked current (aria-current, the count beside each tab); asking for the
    open tab explicitly says where the visits are, with a link."""
    community, p = bank
    request = make_request(p["elder"])
    make_arrangement(request, p["volunteer"], p["coord"].user)
    request.status = "matched"
    db.session.commit()
    auth.login("coord@example.org", PASSWORD)
    page = auth.client.get(f"{_base(community)}/").get_data(as_text=True)
    assert f'href="{_base(community)}/?status=matched" aria-current="page">Matched (1)' in page
    assert f"/companionship/requests/{request.id}" in page or f"/{request.id}" in page
    assert page.count('aria-current="page"') == 2  # the tab and the header's Companionship
    opened = auth.client.get(f"{_base(community)}/?status=open").get_data(as_text=True)
    assert 'status=open" aria-current="page">Open (0)' in opened
    assert "1 matched request has visits under way" in opened
    assert f'<a href="{_base(community)}/?status=matched">see the matched requests</a>' in opened


@pytest.mark.parametrize("app_config", [{"PER_PAGE": 3, "NAVIGATION_CACHE_SECONDS": 0}])
def test_the_match_page_pages_its_volunteers_at_a_fixed_cost(auth, bank, app_config):
    """The volunteers who hold the checks come first, a page at a time; the page reads
    the same number of statements with 5 members as with 25 (it used to read each
    member's checks one by one and list the whole community)."""
    from sqlalchemy import event

    community, p = bank
    request = make_request(p["elder"])
    for check_type in (CheckType.BACKGROUND, CheckType.REFERENCES):
        make_check(p["other"], p["coord"].user, check_type)
    db.session.commit()
    auth.login("coord@example.org", PASSWORD)
    url = f"{_base(community)}/requests/{request.id}/match"
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def read_page(target: str) -> tuple[str, int]:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            page = auth.client.get(target).get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return page, len(statements)

    first, few = read_page(url)
    assert first.index(p["other"].user.display_name) < first.index("Record checks")
    assert "Page 1 of 2" in first and 'rel="next"' in first
    for n in range(20):
        make_member(community, email=f"helper{n}@example.org")
    db.session.commit()
    again, many = read_page(url)
    assert many == few and "Page 1 of 8" in again
    last, _ = read_page(f"{url}?page=8&language=1")
    assert 'rel="prev"' in last and "Record checks" in last


@pytest.mark.parametrize("app_config", [{"PER_PAGE": 2}])
def test_concerns_are_paged_newest_first_and_counted_up_to_a_bound(
    auth, bank, app_config, monkeypatch
):
    """The concerns list seeks its pages (newest first, page 2 continues page 1) and
    counts at most ``CONCERN_COUNT_CAP`` concerns, saying so when there are more."""
    from datetime import timedelta

    from timebank.services.companionship import queries
    from timebank.services.companionship import requests as companionship_requests

    community, p = bank
    for check_type in (CheckType.BACKGROUND, CheckType.REFERENCES):
        make_check(p["volunteer"], p["coord"].user, check_type)
    arrangement = make_arrangement(make_request(p["elder"]), p["volunteer"], p["coord"].user)
    today = utcnow().date()
    for n in range(5):
        companionship_requests.log_visit(
            arrangement, actor=p["volunteer"].user, minutes=30,
            service_date=today - timedelta(days=5 - n), wellbeing="concern",
            concern_note=f"Concern number {n}", idempotency_key=f"concern-{n}",
        )  # fmt: skip
        db.session.commit()
    auth.login("coord@example.org", PASSWORD)
    url = f"{_base(community)}/concerns"
    first = auth.client.get(url).get_data(as_text=True)
    second = auth.client.get(f"{url}?page=2").get_data(as_text=True)
    assert first.index("Concern number 4") < first.index("Concern number 3")
    assert "Concern number 2" not in first and "Concern number 2" in second
    assert "Page 1 of 3" in first and "More than" not in first
    monkeypatch.setattr(queries, "CONCERN_COUNT_CAP", 4)
    capped = auth.client.get(url).get_data(as_text=True)
    assert "More than 4 concerns were raised" in capped and "Page 1 of 2" in capped
