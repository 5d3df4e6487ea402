"""The demo's visit schedules (issue 19, loaded by ``timebank.demo.load_demo``): Layla's
weekly Tuesday visits, the next one moved by Layla with a reason Grace sees; and Salma's
weekly visit from Yusuf, last week's planned visit missed and taken through every step of
the escalation (reminder, stand-in offer, coordinator alert) at the times the job would
have taken them, so the coordinator dashboard shows it."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from timebank import demo_neighbourhood
from timebank.extensions import db
from timebank.models import Arrangement, Community, Membership, User
from timebank.services.companionship import escalation, moves, schedule
from timebank.services.companionship import requests as companionship

MISSED_DAYS_AGO = 5  # the missed visit: every step (1, 2, 3 days on) is in the past


def _member(community: Community, email: str) -> Membership:
    return demo_neighbourhood._member(email, community)


def _laylas_visits(community: Community, coordinator: User) -> None:
    arrangement = db.session.scalars(
        select(Arrangement).where(Arrangement.community_id == community.id).order_by(Arrangement.id)
    ).first()
    if arrangement is None:
        return
    schedule.set_schedule(arrangement, actor=coordinator, weekday=1, at=time(10, 0))
    upcoming = schedule.upcoming(arrangement)
    if upcoming:
        layla = arrangement.request.recipient.user
        moves.move(
            arrangement, upcoming[0].planned_on, actor=layla,
            to=upcoming[0].planned_on + timedelta(days=1), reason="عندي موعد عند الطبيب صباحاً",
        )  # fmt: skip


def _salmas_missed_visit(community: Community, coordinator: User) -> None:
    request = companionship.create_request(
        _member(community, "salma@example.org"),
        actor=coordinator,
        data=companionship.RequestInput(
            kind="home_visit", frequency="weekly", preferred_times=None, language="ar",
            coordinator_notes="Recovering from a fall; likes to talk about her garden.",
        ),
    )  # fmt: skip
    arrangement = companionship.match(
        request, actor=coordinator, volunteer=_member(community, "yusuf@example.org")
    )
    missed = schedule.local_today() - timedelta(days=MISSED_DAYS_AGO)
    schedule.set_schedule(arrangement, actor=coordinator, weekday=missed.weekday(), at=time(16))
    # Matched three weeks ago; the schedule starts with the visit that was missed.
    arrangement.confirmed_at = arrangement.created_at = schedule.moment(
        arrangement, missed - timedelta(days=21)
    )
    arrangement.schedule_from = missed
    db.session.flush()
    planned_at = schedule.moment(arrangement, missed)
    for days in (1, 2, 3):  # as the daily job would have run
        escalation.escalate(arrangement.id, planned_at + timedelta(days=days, hours=1))


def load_demo_visits(community: Community, coordinator: User) -> None:
    _laylas_visits(community, coordinator)
    _salmas_missed_visit(community, coordinator)
