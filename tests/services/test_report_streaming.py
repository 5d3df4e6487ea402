"""``streaming.rows`` reads a statement in batches; on PostgreSQL on the driver's cursor
(not a named cursor), its parameters bound as SQLAlchemy would: enums as their stored
values, UTC timestamps, expanded IN lists. The rows are those a plain execute returns."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import String, cast, select

from tests.factories import make_community, make_member
from timebank.extensions import db
from timebank.models import Membership, utcnow
from timebank.models.community import MembershipStatus, Role
from timebank.services.reports import streaming


def test_rows_are_those_of_a_plain_execute_in_any_batch(app):
    community = make_community()
    for n in range(7):
        make_member(community, role=Role.COORDINATOR if n % 3 == 0 else Role.MEMBER)
    make_member(community, status=MembershipStatus.APPLYING)
    statement = (
        select(Membership.member_number, cast(Membership.role, String))
        .where(
            Membership.community_id == community.id,
            Membership.role.in_([Role.MEMBER, Role.COORDINATOR]),
            Membership.status == MembershipStatus.ACTIVE,
            Membership.created_at < utcnow() + timedelta(minutes=1),
        )
        .order_by(Membership.member_number)
    )
    expected = [tuple(row) for row in db.session.execute(statement)]
    assert len(expected) == 7
    assert {role for _, role in expected} == {"member", "coordinator"}
    for batch in (1, 3, 5000):
        got = [
            tuple(row) for row in streaming.rows(db.session.connection(), statement, batch=batch)
        ]
        assert got == expected
    # Before the cut, nobody: the timestamp parameter is bound, not ignored.
    early = statement.where(Membership.created_at < utcnow() - timedelta(days=1))
    assert list(streaming.rows(db.session.connection(), early)) == []
