"""``flask report``: writes the file; bad input gives a clear message and a non-zero exit."""

from __future__ import annotations

import json

import pytest

from tests.services.metrics_data import build_town


@pytest.fixture
def town(app):
    return build_town()


def test_report_command_writes_json_and_pdf(runner, town, tmp_path):
    """The command writes the same figures as the web report."""
    target = tmp_path / "q1.json"
    result = runner.invoke(
        args=[
            "report",
            "--community",
            town.community.slug,
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-31",
            "--format",
            "json",
            "--output",
            str(target),
        ]
    )
    assert result.exit_code == 0, result.output
    assert f"activity-{town.community.slug}-2026-Q1.json" in result.output
    data = json.loads(target.read_text())
    assert data["summary"]["participation"]["minutes"] == 510
    pdf = tmp_path / "q1.pdf"
    result = runner.invoke(
        args=[
            "report",
            "--community",
            town.community.slug,
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-31",
            "--format",
            "pdf",
            "--locale",
            "ar",
            "--output",
            str(pdf),
        ]
    )
    assert result.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-03-31", "--to", "2026-01-01", "--format", "pdf"], "on or before"),
        (
            ["--from", "1900-01-01", "--to", "2026-01-01", "--format", "pdf"],
            "between 2000 and 2100",
        ),
        (["--from", "2026-01-01", "--to", "2026-13-01", "--format", "pdf"], "YYYY-MM-DD"),
        (
            ["--from", "2026-01-01", "--to", "2026-03-31", "--format", "docx"],
            "PDF, XLSX, CSV or JSON",
        ),
    ],
)
def test_report_command_bad_input(runner, town, tmp_path, args, message):
    """Reversed or absurd dates and unknown formats fail with a message."""
    result = runner.invoke(
        args=[
            "report",
            "--community",
            town.community.slug,
            *args,
            "--output",
            str(tmp_path / "out"),
        ]
    )
    assert result.exit_code != 0
    assert message in result.output
    assert not (tmp_path / "out").exists()


def test_report_command_unknown_community(runner, app, tmp_path):
    """An unknown slug is a clear error."""
    result = runner.invoke(
        args=[
            "report",
            "--community",
            "nowhere",
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-31",
            "--format",
            "json",
            "--output",
            str(tmp_path / "x.json"),
        ]
    )
    assert result.exit_code != 0 and "No community" in result.output
