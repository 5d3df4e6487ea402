"""The API's companionship (coordinators and matched volunteers only: requests, matches,
logging a visit through the companionship service) and community figures (the web's
figures, periods and audiences) and activity reports (coordinators, audited)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.web.ledger_helpers import make_town
from timebank.database import transaction
from timebank.extensions import db
from timebank.models import (
    Arrangement,
    ArrangementStatus,
    AuditEvent,
    CompanionshipKind,
    CompanionshipRequest,
    Exchange,
    Frequency,
    Notification,
    RequestStatus,
    Visit,
)
from timebank.services.auth import tokens
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.metrics import api as metrics
from timebank.services.metrics import periods

YESTERDAY = date.today() - timedelta(days=1)
ALL = ("read", "exchanges:write", "coordinate")


@pytest.fixture
def town(app):
    return make_town()


def _auth(membership, scopes=("read", "exchanges:write"), **headers) -> dict:
    secret = transaction(
        lambda: tokens.create(membership.user, name="script", scopes=list(scopes),
                              expires_on=None)
    ).secret  # fmt: skip
    return {"Authorization": f"Bearer {secret}", **headers}


def _match(town, recipient, volunteer, status=ArrangementStatus.ACTIVE) -> Arrangement:
    request = CompanionshipRequest(
        community_id=town.community.id, recipient_id=recipient.id,
        requested_by_id=recipient.user_id, kind=CompanionshipKind.CALL,
        frequency=Frequency.WEEKLY, language="en", status=RequestStatus.MATCHED,
    )  # fmt: skip
    db.session.add(request)
    db.session.flush()
    arrangement = Arrangement(community_id=town.community.id, request_id=request.id,
                              volunteer_id=volunteer.id, status=status)  # fmt: skip
    db.session.add(arrangement)
    db.session.commit()
    return arrangement


def test_volunteers_see_their_own_matches_and_coordinators_all(client, town):
    omar_visits_salma = _match(town, town.salma, town.omar)
    grace_visits_salma = _match(town, town.salma, town.grace)
    ended = _match(town, town.grace, town.omar, status=ArrangementStatus.ENDED)
    base = f"/api/v1/communities/{town.slug}/companionship"
    omar = _auth(town.omar)
    matches = client.get(f"{base}/matches", headers=omar).get_json()["items"]
    assert [m["id"] for m in matches] == [ended.id, omar_visits_salma.id]
    assert matches[1]["recipient_name"] == "Salma Khoury" and matches[1]["can_log_visit"]
    assert not matches[0]["can_log_visit"]
    requests = client.get(f"{base}/requests", headers=omar).get_json()["items"]
    assert [r["id"] for r in requests] == [omar_visits_salma.request_id]  # active ones only
    assert client.get(f"{base}/matches", headers=_auth(town.salma)).get_json()["items"] == []
    coordinator = _auth(town.coordinator, scopes=ALL)
    every = client.get(f"{base}/matches?limit=1", headers=coordinator).get_json()
    assert every["items"][0]["id"] == ended.id and every["next"] == ended.id
    rest = client.get(f"{base}/matches?limit=5&cursor={every['next']}", headers=coordinator)
    assert [m["id"] for m in rest.get_json()["items"]] == [
        grace_visits_salma.id, omar_visits_salma.id,
    ]  # fmt: skip
    active = client.get(f"{base}/matches?status=active", headers=coordinator).get_json()
    assert len(active["items"]) == 2
    assert len(client.get(f"{base}/requests", headers=coordinator).get_json()["items"]) == 3
    without = _auth(town.coordinator, scopes=("read",))  # a coordinator's token without it
    assert client.get(f"{base}/requests", headers=without).get_json()["items"] == []


def test_the_volunteer_logs_a_visit_once_and_a_concern_alerts_the_coordinators(client, town):
    arrangement = _match(town, town.salma, town.omar)
    url = f"/api/v1/communities/{town.slug}/companionship/matches/{arrangement.id}/visits"
    body = {"minutes": 60, "service_date": YESTERDAY.isoformat(), "wellbeing": "concern"}
    headers = _auth(town.omar, **{"Idempotency-Key": "visit-0001"})
    missing = client.post(url, json=body, headers=headers)
    assert missing.status_code == 400 and "concern_note" in missing.get_json()["errors"]
    body["concern_note"] = "She had not eaten."
    first = client.post(url, json=body, headers=headers)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["concern_raised"] is True
    assert first.get_json()["exchange_status"] == "recorded"  # Salma confirms the hours
    again = client.post(url, json=body, headers=headers)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 1
    assert db.session.scalar(select(func.count()).select_from(Exchange)) == 1
    alerted = db.session.scalars(select(Notification.user_id).where(Notification.kind == "concern"))
    assert {town.coordinator.user_id, town.coordinator2.user_id} <= set(alerted)
    salma = _auth(town.salma, **{"Idempotency-Key": "visit-0002"})
    assert client.post(url, json=body, headers=salma).status_code == 403
    grace = _auth(town.grace, **{"Idempotency-Key": "visit-0003"})
    assert client.post(url, json=body, headers=grace).status_code == 404


def test_a_coordinator_logs_a_visit_as_a_decision_with_the_coordinate_scope(client, town):
    arrangement = _match(town, town.salma, town.omar)
    url = f"/api/v1/communities/{town.slug}/companionship/matches/{arrangement.id}/visits"
    body = {"minutes": 45, "service_date": YESTERDAY.isoformat(), "wellbeing": "all_well"}
    plain = _auth(town.coordinator, **{"Idempotency-Key": "visit-c001"})
    assert client.post(url, json=body, headers=plain).status_code == 403
    scoped = _auth(town.coordinator, scopes=ALL, **{"Idempotency-Key": "visit-c002"})
    logged = client.post(url, json=body, headers=scoped)
    assert logged.status_code == 201, logged.get_json()
    assert logged.get_json()["exchange_status"] == "posted"


def _posted(town, minutes=90):
    exchange = transaction(
        lambda: exchanges.record(
            town.community, actor=town.salma.user, provider=town.salma, recipient=town.omar,
            minutes=minutes, service_date=YESTERDAY, category="gardening",
            idempotency_key=f"metrics-{minutes}",
        )
    )  # fmt: skip
    transaction(lambda: exchanges.confirm(exchange, actor=town.omar.user))
    metrics.clear_cache()


def test_the_figures_are_the_dashboards_for_coordinators_and_fewer_for_members(client, town):
    _posted(town)
    url = f"/api/v1/communities/{town.slug}/metrics"
    coordinator = client.get(url, headers=_auth(town.coordinator, scopes=ALL)).get_json()
    period = periods.quarter_of(YESTERDAY)
    assert coordinator["audience"] == "coordinator"
    assert coordinator["period"]["label"] == period.label
    assert coordinator["previous_period"]["label"] == period.previous().label
    figures = {f["key"]: f for f in coordinator["figures"]}
    board = metrics.dashboard(town.community, period).current
    assert figures["active_members"]["value"] == board.participation.active_members == 2
    assert sum(m["minutes"] for m in coordinator["months"]) == 90
    member = _auth(town.salma)
    assert client.get(url, headers=member).status_code == 403  # not shown to members
    town.community.members_see_metrics = True
    db.session.commit()
    reduced = client.get(url, headers=member).get_json()
    assert reduced["audience"] == "member" and reduced["neighbourhoods"] == []
    assert len(reduced["figures"]) < len(coordinator["figures"])
    month = client.get(f"{url}?period={YESTERDAY:%Y-%m}", headers=member).get_json()
    assert month["period"]["kind"] == "month"
    custom = client.get(f"{url}?start={YESTERDAY}&end={YESTERDAY}", headers=member).get_json()
    assert custom["period"]["kind"] == "custom" and custom["has_activity"]
    for bad in ("?period=2026-13", f"?start={YESTERDAY}", "?start=2026-02-02&end=2026-01-01"):
        refused = client.get(url + bad, headers=member)
        assert refused.status_code == 400, bad
        assert refused.mimetype == "application/problem+json"


def test_the_activity_report_is_the_json_download_for_coordinators(client, town):
    _posted(town, minutes=60)
    label = periods.quarter_of(YESTERDAY).label
    url = f"/api/v1/communities/{town.slug}/reports/{label}"
    headers = _auth(town.coordinator, scopes=ALL, **{"Accept-Language": "ar"})
    report = client.get(url, headers=headers)
    assert report.status_code == 200, report.get_json()
    body = report.get_json()
    assert body["locale"] == "ar" and body["period"]["label"] == label
    assert body["summary"]["participation"]["minutes"] == 60
    assert body["tables"]["exchanges"]["rows"][0][-1] == 1.0
    assert db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "report.export")
    ) == 1  # fmt: skip
    assert client.get(url, headers=_auth(town.salma, scopes=ALL)).status_code == 403
    assert client.get(f"/api/v1/communities/{town.slug}/reports/soon",
                      headers=headers).status_code == 400  # fmt: skip
