"""The demo shows the visit scheduler (issue 19): a weekly arrangement whose missed visit
went through every step of the escalation, on the coordinator dashboard, and a visit the
member moved with a reason."""

from __future__ import annotations

from sqlalchemy import select

from timebank.database import transaction
from timebank.demo import DEMO_SLUG, load_demo
from timebank.extensions import db
from timebank.models import Arrangement, Community, Frequency
from timebank.services.community import dashboard
from timebank.services.companionship import escalation, schedule


def test_the_demo_has_a_missed_visit_escalated_step_by_step_and_a_moved_one(app):
    transaction(load_demo)
    community = db.session.scalar(select(Community).where(Community.slug == DEMO_SLUG))
    (missed,) = escalation.follow_ups(community.id)
    assert missed.arrangement.request.frequency == Frequency.WEEKLY
    assert missed.reminded_at < missed.offered_at < missed.alerted_at
    assert missed.planned_on < schedule.local_today()
    counts = {c.key: c.value for c in dashboard.counts(community)}
    assert counts["missed"] == 1 and counts["isolated"] >= 1
    moved = [
        slot
        for arrangement in db.session.scalars(
            select(Arrangement).where(Arrangement.community_id == community.id)
        )
        for slot in schedule.upcoming(arrangement)
        if slot.stored is not None and slot.stored.moved_to is not None
    ]
    assert len(moved) == 1 and moved[0].stored.reason
    assert moved[0].stored.moved_by_id == moved[0].stored.arrangement.request.recipient.user_id
