"""A report prepared in the background, ready to download (for the access walk)."""

from __future__ import annotations

from timebank.database import transaction
from timebank.extensions import db
from timebank.models import PreparedReport


def prepared_for(world) -> PreparedReport:
    """A ready report of ``world.community``, asked for by its coordinator, with its file."""
    from timebank.services.reports import background

    prepared = PreparedReport(community_id=world.community.id,
                              requester_id=world.coordinator.id, period="2026-Q1",
                              format="pdf", locale="en", token="access-walk",
                              status="ready", filename="report.pdf")  # fmt: skip
    db.session.add(prepared)
    transaction(lambda: None)
    path = background.folder(prepared.community_id) / "access-walk-report.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4\n")
    return prepared
