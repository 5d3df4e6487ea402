"""Exports and reports against formula injection and very long names; dashboard query
counts do not grow with the number of exchanges."""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from tests.factories import PASSWORD, make_community, make_member
from tests.services.metrics_data import post
from timebank.extensions import db
from timebank.models import Role
from timebank.services.ledger import posting as ledger
from timebank.services.metrics import api as metrics
from timebank.services.metrics import periods
from timebank.services.reports import files as reports

DANGEROUS = ["=HYPERLINK(\"http://x\")", "+1+2", "-3", "@SUM(A1)", "\tTab", "\rReturn",
             "  =spaced", "Line\n=second", "\u00a0=nbsp"]  # fmt: skip
Q1 = periods.parse("2026-Q1")


@pytest.fixture
def hostile(app):
    """A community whose every text is formula-looking or very long."""
    community = make_community(name="=cmd|' /C calc'!A0")
    coordinator = make_member(community, role=Role.COORDINATOR, name="@coordinator")
    people = [make_member(community, password=None, name=name) for name in DANGEROUS]
    people.append(make_member(community, password=None, name="L" * 74 + " ليلى"))
    ledger.ensure_accounts(community)
    db.session.commit()
    for i, giver in enumerate(people):
        receiver = people[(i + 1) % len(people)]
        post(community, giver, receiver, 30 + i, date(2026, 2, 1), category=DANGEROUS[i % 4])
    return community, coordinator, people


def _dangerous_start(text: str) -> bool:
    for line in text.split("\n"):
        stripped = line.lstrip(" \u00a0")
        if stripped and stripped[0] in "=+-@\t\r":
            return True
    return False


def _check_cells(rows):
    for row in rows:
        for value in row:
            if value.lstrip("-").isdigit():
                continue  # numbers stay numbers, negative ones too
            assert not _dangerous_start(value) or value.startswith("'"), repr(value)


def test_exports_neutralise_formulas_in_every_column(client, auth, hostile):
    """Every CSV cell that a spreadsheet would run is prefixed; numbers are untouched."""
    community, coordinator, _people = hostile
    auth.login(coordinator.user.email, PASSWORD)
    for kind in ("exchanges", "members"):
        response = client.get(f"/c/{community.slug}/exports/{kind}.csv?period=2026-Q1")
        text = response.get_data(as_text=True).lstrip("\ufeff")
        response.close()
        rows = list(csv.reader(io.StringIO(text)))
        assert len(rows) > len(DANGEROUS)
        _check_cells(rows)
        if kind == "exchanges":
            assert any(cell == '\'=HYPERLINK("http://x")' for row in rows for cell in row)
            assert all(row[9].isdigit() for row in rows[1:])  # minutes
        else:
            assert any(row[7].startswith("-") for row in rows[1:])  # a negative balance


def test_report_files_neutralise_formulas(hostile):
    """Zipped CSV, XLSX (no formula cells) and JSON of a hostile community are safe."""
    community, _coordinator, _people = hostile
    zipped = reports.produce(community, Q1, "csv", locale="en", actor=None).content
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8").lstrip("\ufeff")
            _check_cells(list(csv.reader(io.StringIO(text))))
    book = load_workbook(
        io.BytesIO(reports.produce(community, Q1, "xlsx", locale="ar", actor=None).content)
    )
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.value)
    data = json.loads(reports.produce(community, Q1, "json", locale="en", actor=None).content)
    assert data["community"].startswith("=cmd")  # JSON is data, not a spreadsheet
    pdf = reports.produce(community, Q1, "pdf", locale="en", actor=None).content
    assert pdf.startswith(b"%PDF")


def test_long_names_render_on_pages(client, auth, hostile):
    """An 80-character name (the longest allowed) does not break the dashboard or reports page."""
    community, coordinator, _people = hostile
    auth.login(coordinator.user.email, PASSWORD)
    assert client.get(f"/c/{community.slug}/metrics/?period=2026-Q1").status_code == 200
    assert client.get(f"/c/{community.slug}/reports/?period=2026-Q1").status_code == 200


def _count_queries(callback) -> int:
    statements = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        callback()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def _community_with(exchanges: int):
    community = make_community()
    people = [make_member(community, password=None) for _ in range(12)]
    ledger.ensure_accounts(community)
    db.session.commit()
    rng = random.Random(exchanges)
    for n in range(exchanges):
        giver, receiver = rng.sample(people, 2)
        post(
            community,
            giver,
            receiver,
            rng.choice((30, 60, 90)),
            date(2026, 1, 1) + timedelta(days=n % 90),
            category=rng.choice(("gardening", "companionship", "transport")),
        )
    return community


def test_dashboard_queries_do_not_grow_with_exchanges(app):
    """The same number of queries for 10 and for 300 exchanges; a cached dashboard is one."""
    counts = []
    for size in (10, 300):
        community = _community_with(size)
        metrics.clear_cache()
        counts.append(_count_queries(lambda c=community: metrics.dashboard(c, Q1)))
        assert _count_queries(lambda c=community: metrics.dashboard(c, Q1)) == 1
    assert counts[0] == counts[1]
