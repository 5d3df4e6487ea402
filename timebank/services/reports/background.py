"""Reports prepared in the background (issues 16 and 17): a coordinator asks for one
(``request``), a job writes its file under the instance folder (``prepare``) and tells
them it is ready (kind ``report_ready``), and they download it (``stored``).

Idempotent: the file's name is fixed when it is asked for (a second run writes the same
file) and the compare-and-set from ``queued`` to ``ready`` lets one run notify."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from timebank.database import after_commit, changed, reading
from timebank.extensions import db
from timebank.models import Community, PreparedReport, User, utcnow
from timebank.services import audit
from timebank.services.exceptions import InvalidInput
from timebank.services.messaging import notifications
from timebank.services.metrics import periods
from timebank.services.reports import files

FORMATS = ("pdf", "xlsx")
JOB = "prepare_report"


@dataclass(frozen=True)
class StoredReport:
    path: Path
    filename: str
    media_type: str


def request(
    community: Community, label: str, fmt: str, *, locale: str, actor: User
) -> PreparedReport:
    """Ask for the report of period ``label`` as ``fmt`` (PDF or XLSX) in ``locale``; the
    job that prepares it runs after the commit. ``InvalidInput`` (field ``period`` or
    ``format``) leaves nothing queued. Audit: ``report.prepare``."""
    if fmt not in FORMATS:
        raise InvalidInput(_l("Choose PDF or XLSX."), field="format")
    period = periods.parse(label)
    prepared = PreparedReport(community_id=community.id, requester_id=actor.id,
                              period=period.label, format=fmt, locale=locale,
                              token=secrets.token_urlsafe(24), status="queued")  # fmt: skip
    db.session.add(prepared)
    db.session.flush()
    audit.record("report.prepare", actor=actor, community_id=community.id, obj=prepared,
                 details={"period": period.label, "format": fmt})  # fmt: skip
    after_commit(JOB, prepared.id)
    return prepared


def folder(community_id: int) -> Path:
    return Path(current_app.instance_path) / "reports" / str(community_id)


def _path(prepared: PreparedReport, filename: str) -> Path:
    return folder(prepared.community_id) / f"{prepared.token}-{filename}"


def queued_ids() -> list[int]:
    """The reports still waiting for their file, oldest first (the read is ended)."""
    with reading():
        ids = list(
            db.session.scalars(
                select(PreparedReport.id)
                .where(PreparedReport.status == "queued")
                .order_by(PreparedReport.id)
            )
        )
        db.session.rollback()
    return ids


def write_file(prepared_id: int) -> str | None:
    """Build the file of a queued report and write it (over a previous run's, same name):
    its file name, or None when there is nothing to do. Reads only (``finish`` records
    the export)."""
    with reading():
        prepared = db.session.get(PreparedReport, prepared_id)
        if prepared is None or prepared.status != "queued":
            db.session.rollback()
            return None
        community = db.session.get(Community, prepared.community_id)
        assert community is not None
        period = periods.parse(prepared.period)
        file = files.build(community, period, prepared.format, locale=prepared.locale)
        path = _path(prepared, file.filename)
        db.session.rollback()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(file.content)
    partial.replace(path)
    return file.filename


def finish(prepared_id: int, filename: str) -> bool:
    """Mark the report ready and tell its requester, once (compare-and-set); the caller
    commits. Audit: ``report.export``."""
    done = changed(
        update(PreparedReport)
        .where(PreparedReport.id == prepared_id, PreparedReport.status == "queued")
        .values(status="ready", filename=filename, ready_at=utcnow())
    )
    if done != 1:
        return False
    prepared = db.session.get(PreparedReport, prepared_id)
    assert prepared is not None
    community = db.session.get(Community, prepared.community_id)
    requester = db.session.get(User, prepared.requester_id)
    assert community is not None and requester is not None
    audit.record("report.export", actor=requester, community_id=community.id, obj=community,
                 details={"period": prepared.period, "format": prepared.format,
                          "prepared": prepared.id})  # fmt: skip
    notifications.notify(requester, "report_ready", community=community,
                         object_type="prepared_reports", object_id=prepared.id)  # fmt: skip
    return True


def stored(community: Community, prepared_id: int) -> StoredReport | None:
    """The ready file of this community's prepared report, or None (not this community's,
    not ready, or its file gone). The route lets only coordinators ask."""
    prepared = db.session.scalar(
        select(PreparedReport).where(
            PreparedReport.id == prepared_id,
            PreparedReport.community_id == community.id,
            PreparedReport.status == "ready",
        )
    )
    if prepared is None or not prepared.filename:
        return None
    path = _path(prepared, prepared.filename)
    if not path.is_file():
        return None
    return StoredReport(path, prepared.filename, files.writers.MEDIA_TYPES[prepared.format])
