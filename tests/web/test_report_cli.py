"""``flask report``: writes the file; bad input gives a clear message and a non-zero exit."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.conftest import PG_URL
from tests.services.metrics_data import build_town
from timebank.extensions import db
from timebank.services.metrics import api as metrics
from timebank.services.metrics import compute

Q1 = ["--from", "2026-01-01", "--to", "2026-03-31"]


@pytest.fixture
def town(app):
    return build_town()


def report(runner, slug: str, output, *args: str):
    return runner.invoke(args=["report", "--community", slug, *args, "--output", str(output)])


def test_report_command_writes_json_and_pdf(runner, town, tmp_path):
    """The command writes the same figures as the web report."""
    target = tmp_path / "q1.json"
    result = report(runner, town.community.slug, target, *Q1, "--format", "json")
    assert result.exit_code == 0, result.output
    assert f"activity-{town.community.slug}-2026-Q1-en.json" in result.output
    data = json.loads(target.read_text())
    assert data["summary"]["participation"]["minutes"] == 510
    pdf = tmp_path / "q1.pdf"
    result = report(runner, town.community.slug, pdf, *Q1, "--format", "pdf", "--locale", "ar")
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
        ([*Q1, "--format", "docx"], "PDF, XLSX, CSV or JSON"),
    ],
)
def test_report_command_bad_input(runner, town, tmp_path, args, message):
    """Reversed or absurd dates and unknown formats fail with a message."""
    result = report(runner, town.community.slug, tmp_path / "out", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert not (tmp_path / "out").exists()


def test_report_command_unknown_community(runner, app, tmp_path):
    """An unknown slug is a clear error."""
    result = report(runner, "nowhere", tmp_path / "x.json", *Q1, "--format", "json")
    assert result.exit_code != 0 and "No community" in result.output


@pytest.mark.skipif(PG_URL is not None, reason="SQLite's write lock")
def test_report_command_does_not_block_writers(runner, town, tmp_path, monkeypatch):
    """While the report is computed, another process can still take SQLite's write lock
    (the computation is a read, begun DEFERRED, as on a web page)."""
    path = db.engine.url.database
    free = []
    summarise = compute.summarise

    def summarise_and_try_to_write(*args, **kwargs):
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            free.append(True)
        except sqlite3.OperationalError:
            free.append(False)
        finally:
            other.close()
        return summarise(*args, **kwargs)

    slug = town.community.slug
    db.session.commit()  # the test's own transaction ends: the command's is the only one
    metrics.clear_cache()
    monkeypatch.setattr(compute, "summarise", summarise_and_try_to_write)
    result = report(runner, slug, tmp_path / "q1.json", *Q1, "--format", "json")
    assert result.exit_code == 0, result.output
    assert free and all(free)
