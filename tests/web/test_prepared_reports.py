"""Reports prepared in the background: asked for on the reports page, written by a job
(in-process in tests), announced in the requester's notifications, downloaded by the
community's coordinators only; bad input queues nothing; a second run changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_community, make_member
from tests.services.metrics_data import build_town
from timebank.extensions import db
from timebank.jobs import tasks
from timebank.models import AuditEvent, Notification, PreparedReport, Role


@pytest.fixture
def town(app):
    return build_town(logins="ka")


def _login(auth, user):
    assert auth.login(user.email, PASSWORD).status_code == 302


def _ask(auth, slug, period="2026-Q1", fmt="xlsx"):
    return auth.post(
        f"/c/{slug}/reports/prepare",
        {"report_period": period, "report_format": fmt},
        page=f"/c/{slug}/reports/",
    )


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_request_prepares_notifies_and_downloads(app, client, auth, town):
    slug = town.community.slug
    _login(auth, town.k.user)
    response = _ask(auth, slug)
    assert response.status_code == 302
    prepared = db.session.scalars(select(PreparedReport)).one()
    db.session.refresh(prepared)
    assert prepared.status == "ready" and prepared.filename.endswith(".xlsx")
    files = list((Path(app.instance_path) / "reports" / str(town.community.id)).iterdir())
    assert len(files) == 1 and files[0].name.startswith(prepared.token)
    note = db.session.scalars(select(Notification).where(Notification.kind == "report_ready")).one()
    assert note.user_id == town.k.user.id and note.object_id == prepared.id
    assert "The report you asked for is ready" in client.get("/notifications/").get_data(
        as_text=True
    )
    opened = auth.post(f"/notifications/{note.id}/open", page="/notifications/")
    link = f"/c/{slug}/reports/prepared/{prepared.id}"
    assert opened.headers["Location"].endswith(link)
    download = client.get(link)
    assert download.status_code == 200
    assert download.data[:2] == b"PK"  # an XLSX is a zip
    assert prepared.filename in download.headers["Content-Disposition"]
    download.close()
    assert _count(AuditEvent, AuditEvent.action == "report.prepare") == 1


def test_running_the_job_again_changes_nothing(app, auth, town):
    _login(auth, town.k.user)
    _ask(auth, town.community.slug, fmt="pdf")
    prepared = db.session.scalars(select(PreparedReport)).one()
    assert tasks.prepare_report(prepared.id) == 0
    assert tasks.prepare_report(prepared.id) == 0
    folder = Path(app.instance_path) / "reports" / str(town.community.id)
    assert len(list(folder.iterdir())) == 1
    assert _count(Notification, Notification.kind == "report_ready") == 1
    assert _count(AuditEvent, AuditEvent.action == "report.export") == 1


def test_a_queued_report_run_twice_writes_one_file(app, town):
    from timebank.database import transaction
    from timebank.services.reports import background

    prepared = PreparedReport(
        community_id=town.community.id,
        requester_id=town.k.user.id,
        period="2026-Q1",
        format="pdf",
        locale="ar",
        token="twice",
    )
    db.session.add(prepared)
    db.session.commit()
    # Both runs find it queued and write the same file; one marks it ready.
    first, second = background.write_file(prepared.id), background.write_file(prepared.id)
    assert first == second and first is not None
    assert transaction(lambda: background.finish(prepared.id, first)) is True
    assert transaction(lambda: background.finish(prepared.id, first)) is False
    folder = Path(app.instance_path) / "reports" / str(town.community.id)
    assert len(list(folder.iterdir())) == 1
    assert _count(Notification, Notification.kind == "report_ready") == 1


@pytest.mark.parametrize(
    ("period", "fmt", "message"),
    [
        ("nonsense", "pdf", "Choose a month, a quarter, a year or two dates."),
        ("2026-13", "pdf", "Choose a month between 01 and 12."),
        ("2026-Q1", "json", "Choose PDF or XLSX."),
    ],
)
def test_bad_input_is_a_field_error_and_queues_nothing(app, auth, town, period, fmt, message):
    _login(auth, town.k.user)
    response = _ask(auth, town.community.slug, period=period, fmt=fmt)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "field-error" in page
    assert _count(PreparedReport) == 0
    assert _count(Notification, Notification.kind == "report_ready") == 0
    assert not (Path(app.instance_path) / "reports").exists()


def test_only_coordinators_of_the_community_download(app, client, auth, town):
    slug = town.community.slug
    _login(auth, town.k.user)
    _ask(auth, slug)
    prepared = db.session.scalars(select(PreparedReport)).one()
    link = f"/c/{slug}/reports/prepared/{prepared.id}"
    auth.logout()

    other = make_community(slug="elsewhere")
    outsider = make_member(other, role=Role.COORDINATOR).user
    _login(auth, outsider)
    assert client.get(link).status_code == 404
    # Its id asked for through the coordinator's own community: not theirs, 404 too.
    assert client.get(f"/c/{other.slug}/reports/prepared/{prepared.id}").status_code == 404
    auth.logout()

    member = make_member(town.community).user
    _login(auth, member)
    assert client.get(link).status_code in (403, 404)
    auth.logout()

    colleague = make_member(town.community, role=Role.COORDINATOR).user
    _login(auth, colleague)
    download = client.get(link)
    assert download.status_code == 200
    download.close()
    assert client.get(f"/c/{slug}/reports/prepared/{prepared.id + 1}").status_code == 404


def test_reports_page_offers_background_preparation(client, auth, town):
    _login(auth, town.k.user)
    page = client.get(f"/c/{town.community.slug}/reports/?period=2026-Q1")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"/c/{town.community.slug}/reports/prepare" in text
    assert 'name="report_period"' in text and 'name="report_format"' in text


def test_the_scheduled_sweep_prepares_a_report_no_job_took(app, town):
    """A report left queued (Redis down, a crash) is prepared by the next sweep."""
    prepared = PreparedReport(
        community_id=town.community.id,
        requester_id=town.k.user.id,
        period="2026-Q1",
        format="xlsx",
        locale="ar",
        token="left",
    )
    db.session.add(prepared)
    db.session.commit()
    assert tasks.prepare_report() == 1
    assert tasks.prepare_report() == 0
    db.session.refresh(prepared)
    assert prepared.status == "ready"
    assert _count(Notification, Notification.kind == "report_ready") == 1
