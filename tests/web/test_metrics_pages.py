"""Metrics pages, reports and exports through the web: access matrix, bad input, files."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_community, make_member
from tests.services.metrics_data import build_town
from timebank.extensions import db
from timebank.models import AuditEvent

ROUTES = [
    # (path template, method, level)
    ("/c/{slug}/metrics/", "GET", "metrics"),
    ("/c/{slug}/metrics/chart/hours.svg?period=2026-Q1", "GET", "metrics"),
    ("/c/{slug}/metrics/settings", "POST", "coordinator"),
    ("/c/{slug}/me/participation", "GET", "member"),
    ("/c/{slug}/me/participation/chart.svg", "GET", "member"),
    ("/c/{slug}/reports/", "GET", "coordinator"),
    ("/c/{slug}/reports/2026-Q1.json", "GET", "coordinator"),
    ("/c/{slug}/exports/exchanges.csv?period=2026-Q1", "GET", "coordinator"),
]


@pytest.fixture
def town(app):
    return build_town(logins="ka")


def _login(auth, membership):
    response = auth.login(membership.user.email, PASSWORD)
    assert response.status_code == 302


def _call(client, auth, path, method):
    if method == "POST":
        return auth.post(path, {})
    response = client.get(path)
    response.get_data()  # consume streamed bodies
    response.close()
    return response


@pytest.mark.parametrize(("path", "method", "level"), ROUTES)
def test_anonymous_is_sent_to_login(client, auth, town, path, method, level):
    """Anonymous visitors are asked to log in (a POST without login fails too)."""
    response = _call(client, auth, path.format(slug=town.community.slug), method)
    assert response.status_code in (302, 400)
    if method == "GET":
        assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize(("path", "method", "level"), ROUTES)
def test_member_of_another_community_gets_404(client, auth, town, path, method, level):
    """A member of another community cannot see that a community's pages exist."""
    other = make_community()
    stranger = make_member(other)
    _login(auth, stranger)
    assert _call(client, auth, path.format(slug=town.community.slug), method).status_code == 404


@pytest.mark.parametrize(("path", "method", "level"), ROUTES)
def test_member_on_coordinator_pages_gets_403(client, auth, town, path, method, level):
    """Members see their own participation; the dashboard only when switched on; never
    reports or exports."""
    _login(auth, town.a)
    status = _call(client, auth, path.format(slug=town.community.slug), method).status_code
    assert status == (200 if level == "member" else 403)


@pytest.mark.parametrize(("path", "method", "level"), ROUTES)
def test_coordinator_reaches_every_route(client, auth, town, path, method, level):
    """Coordinators reach every page (the settings form redirects)."""
    _login(auth, town.k)
    response = _call(client, auth, path.format(slug=town.community.slug), method)
    assert response.status_code == (302 if method == "POST" else 200)


def test_members_dashboard_when_switched_on(client, auth, town):
    """With the setting on, members see the reduced dashboard (no concentration figures)."""
    town.community.members_see_metrics = True
    db.session.commit()
    _login(auth, town.a)
    page = client.get(f"/c/{town.community.slug}/metrics/?period=2026-Q1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Active members" in html and "Gini" not in html


def test_dashboard_shows_figures_with_definitions_and_charts(client, auth, town):
    """Every figure has its definition one click away and the charts are SVG images."""
    _login(auth, town.k)
    html = client.get(f"/c/{town.community.slug}/metrics/?period=2026-Q1").get_data(as_text=True)
    assert html.count("<details") >= 20 and "Gini of hours given" in html
    assert 'style="' not in html and "<script" not in html
    svg = client.get(f"/c/{town.community.slug}/metrics/chart/categories.svg?period=2026-Q1")
    assert svg.mimetype == "image/svg+xml" and b"<script" not in svg.data
    assert "default-src 'none'" in svg.headers["Content-Security-Policy"]
    assert client.get(f"/c/{town.community.slug}/metrics/chart/nope.svg").status_code == 404


def test_months_are_named_in_the_readers_language(client, auth, town):
    """Months read "January 2026" / "يناير ٢٠٢٦" in the table, and the charts' numbers
    use the reader's digits."""
    slug = town.community.slug
    _login(auth, town.k)
    html = client.get(f"/c/{slug}/metrics/?period=2026-Q1").get_data(as_text=True)
    assert "January 2026" in html and ">2026-01<" not in html
    town.k.user.locale = "ar"
    db.session.commit()
    html = client.get(f"/c/{slug}/metrics/?period=2026-Q1").get_data(as_text=True)
    assert "يناير ٢٠٢٦" in html
    svg = client.get(f"/c/{slug}/metrics/chart/hours.svg?period=2026-Q1").get_data(as_text=True)
    assert "يناير ٢٠٢٦" in svg and "٣" in svg


@pytest.mark.parametrize(
    "query",
    [
        "period=2026-13",
        "period=garbage",
        "start=2026-03-01&end=2026-01-01",
        "period=custom&start=1900-01-01&end=2026-01-01",
        "period=custom&start=2026-01-01",
        "start=not-a-date&end=2026-01-01",
    ],
)
def test_bad_periods_get_a_clear_message(client, auth, town, query):
    """Reversed, absurd or malformed periods answer 400 with the form's error summary."""
    _login(auth, town.k)
    response = client.get(f"/c/{town.community.slug}/metrics/?{query}")
    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)


def test_download_is_an_attachment_with_a_sensible_name(client, auth, town):
    """Reports download as attachments named after the community and period, audited."""
    _login(auth, town.k)
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = client.get(f"/c/{town.community.slug}/reports/2026-Q1.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=activity-{town.community.slug}-2026-Q1-en.pdf"
    )
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before + 1
    zipped = client.get(f"/c/{town.community.slug}/reports/2026-Q1.csv")
    assert zipfile.ZipFile(io.BytesIO(zipped.data)).namelist()
    assert client.get(f"/c/{town.community.slug}/reports/2026-Q1.docx").status_code == 400
    assert client.get(f"/c/{town.community.slug}/reports/2026-Q9.pdf").status_code == 400


def test_participation_speaks_of_contribution(client, auth, town):
    """A member's page phrases a negative balance as hours received, never as debt."""
    _login(auth, town.a)
    html = client.get(f"/c/{town.community.slug}/me/participation?period=2026").get_data(
        as_text=True
    )
    assert "received from the community" in html or "given to the community" in html
    assert "debt" not in html.lower()
    assert "Support" in html


def test_exports_stream_csv_and_xlsx(client, auth, town):
    """The ledger and member exports stream as CSV and open as XLSX; audited."""
    _login(auth, town.k)
    slug = town.community.slug
    response = client.get(f"/c/{slug}/exports/exchanges.csv?period=2026-Q1")
    assert response.is_streamed or response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    response.close()
    assert len(rows) == 1 + 9  # every record dated in Q1: 7 exchanges, the reversal, the donation
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=exchanges-{slug}-2026-Q1-en.csv"
    )
    members = client.get(f"/c/{slug}/exports/members.xlsx?period=2026-Q1")
    content = members.data
    members.close()
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(values) == 9 and sum(v[5] for v in values) == 510
    assert client.get(f"/c/{slug}/exports/secrets.csv").status_code == 400
    assert client.get(f"/c/{slug}/exports/members.pdf").status_code == 400


def test_settings_switch_members_view_and_value(client, auth, town):
    """Coordinators switch the members' dashboard on and set a value per hour."""
    _login(auth, town.k)
    slug = town.community.slug
    response = auth.post(
        f"/c/{slug}/metrics/settings",
        {"members_see_metrics": "y", "value_per_hour": "12", "value_currency": "eur"},
        page=f"/c/{slug}/reports/",
    )
    assert response.status_code == 302
    db.session.refresh(town.community)
    assert town.community.members_see_metrics is True
    assert (town.community.value_per_hour_cents, town.community.value_currency) == (1200, "EUR")
    html = client.get(f"/c/{slug}/reports/?period=2026-Q1").get_data(as_text=True)
    assert "Estimated social value" in html and "102.0" in html
