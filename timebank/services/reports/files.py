"""A report as a file: ``produce`` builds one for a community, period and language and
writes it as PDF, XLSX, CSV (zipped, one file per table) or JSON, leaving one audit event
(``report.export``, DESIGN.md promise 13); the caller commits."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from timebank.extensions import db
from timebank.models import Community, User
from timebank.services import audit
from timebank.services.exceptions import InvalidInput
from timebank.services.metrics.periods import Period
from timebank.services.reports import pdf, tables, writers

FORMATS = writers.FORMATS


@dataclass(frozen=True)
class ReportFile:
    content: bytes
    filename: str
    media_type: str


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidInput(_l("Choose PDF, XLSX, CSV or JSON."), field="format")
    return fmt


def produce(
    community: Community, period: Period, fmt: str, *, locale: str, actor: User | None
) -> ReportFile:
    """The report file in ``locale`` (its labels, right-to-left for Arabic). Raises
    ``InvalidInput`` for an unknown format. Audit: ``report.export``."""
    file = build(community, period, fmt, locale=locale)
    # Building only read, but it may have stored the period's figures in the metrics cache
    # on a connection of its own. On SQLite this session's read snapshot is then older
    # than the database, and writing from it fails at once ("database is locked"): end
    # the snapshot before the audit event starts a write.
    db.session.commit()
    audit.record("report.export", actor=actor, community_id=community.id, obj=community,
                 details={"period": period.label, "format": fmt})  # fmt: skip
    return file


def build(community: Community, period: Period, fmt: str, *, locale: str) -> ReportFile:
    """``produce`` without its audit event: it only reads (a background job's file)."""
    check_format(fmt)
    with force_locale(locale):
        report = tables.build(community, period, locale)
        writer = {"pdf": pdf.to_pdf, "xlsx": writers.to_xlsx, "csv": writers.to_csv_zip,
                  "json": writers.to_json}[fmt]  # fmt: skip
        content = writer(report)
    return ReportFile(content, writers.filename(community.slug, period.label, fmt, locale),
                      writers.MEDIA_TYPES[fmt])  # fmt: skip
