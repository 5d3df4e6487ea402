"""The coordinator dashboard counts concerns, expiring checks, recipients without a recent
visit and reported listings, from the companionship and reporting tables."""

from __future__ import annotations

from datetime import date, timedelta

from tests.companion_factories import make_arrangement, make_check, make_request
from tests.factories import make_community, make_member
from timebank.extensions import db
from timebank.models import CheckType, Report, Role, utcnow
from timebank.services.companionship import dashboard as care_dashboard
from timebank.services.companionship import requests as companionship
from timebank.services.ledger import posting as ledger


def _figures(community) -> dict[str, int]:
    return {count.key: count.value for count in care_dashboard.counts(community)}


def test_each_figure_counts_what_it_names(app):
    """One concern, one check expiring soon, one quiet arrangement, one reported listing."""
    community = make_community()
    coordinator = make_member(community, role=Role.COORDINATOR)
    volunteer, recipient, other = (make_member(community) for _ in range(3))
    ledger.ensure_accounts(community)
    db.session.commit()
    assert _figures(community) == {"concerns": 0, "safeguarding": 0, "isolated": 0, "missed": 0,
                                   "reported": 0}  # fmt: skip

    make_check(volunteer, coordinator.user, days=10)  # expires within 30 days
    make_check(volunteer, coordinator.user, CheckType.REFERENCES, days=300)
    make_check(other, coordinator.user, days=200)  # does not
    quiet = make_arrangement(make_request(other), volunteer, coordinator.user)
    quiet.created_at = quiet.confirmed_at = utcnow() - timedelta(days=20)  # weekly: quiet
    visited = make_arrangement(make_request(recipient), volunteer, coordinator.user)
    visited.created_at = utcnow() - timedelta(days=20)
    db.session.commit()
    companionship.log_visit(
        visited, actor=coordinator.user, minutes=60, service_date=date.today(),
        wellbeing="concern", concern_note="Seemed unwell", idempotency_key="visit-key-0001",
    )  # fmt: skip
    db.session.add(Report(community_id=community.id, reporter_id=other.id,
                          target_type="listing", target_id=1))  # fmt: skip
    db.session.commit()

    assert _figures(community) == {"concerns": 1, "safeguarding": 1, "isolated": 1, "missed": 0,
                                   "reported": 1}  # fmt: skip
