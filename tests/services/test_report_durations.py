"""Companionship time in the report reads as a duration ("4 h 30 min", "٤ س ٣٠ د") where a
person reads it (PDF), and stays a number of minutes in the files for machines (CSV)."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from tests.services.metrics_data import build_town
from timebank.services import languages
from timebank.services.metrics import periods
from timebank.services.reports import files as reports
from timebank.services.reports import tables
from timebank.services.reports.labels import Minutes, shown

Q1 = periods.parse("2026-Q1")


@pytest.fixture
def town(app):
    return build_town()


def _companionship(town, locale: str):
    report = tables.build(town.community, Q1, locale)
    (care,) = [t for t in report.tables if t.key == "companionship"]
    return care


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_companionship_time_is_shown_as_a_duration(town, locale):
    care = _companionship(town, locale)
    value = care.rows[0][1]
    assert isinstance(value, Minutes) and value > 60  # the town's visits add up to hours
    with force_locale(locale):
        expected = languages.duration(int(value))
        assert shown("int", value) == expected
    assert re.fullmatch(r"\d+ h( \d+ min)?" if locale == "en" else r"[٠-٩]+ س( [٠-٩]+ د)?",
                        expected)  # fmt: skip


def test_the_pdf_prints_the_duration_not_the_minutes(town):
    minutes = int(_companionship(town, "en").rows[0][1])
    content = reports.produce(town.community, Q1, "pdf", locale="en", actor=None).content
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    with force_locale("en"):
        duration = languages.duration(minutes)
    line = next(line for line in text.splitlines() if "Time spent in companionship" in line)
    assert duration in line and str(minutes) not in line


def test_files_for_machines_keep_the_minutes(town):
    minutes = int(_companionship(town, "en").rows[0][1])
    content = reports.produce(town.community, Q1, "csv", locale="en", actor=None).content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        name = next(n for n in archive.namelist() if "companionship" in n)
        rows = list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
    assert ["Time spent in companionship", str(minutes)] in rows
