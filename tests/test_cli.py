"""Command-line tasks: ``demo``, ``create-admin`` and ``create-community``."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.factories import make_user
from tests.web.test_csrf import _snapshot
from timebank.demo import ADMIN, DEMO_PASSWORD, DEMO_SLUG
from timebank.extensions import db
from timebank.models import AuditEvent, Community, MembershipStatus, Role, User


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_loads_once_and_is_idempotent(runner, auth, client):
    """The first run loads the demo community; a second run changes nothing."""
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert f"/c/{DEMO_SLUG}/" in first.output
    community = db.session.scalar(select(Community).where(Community.slug == DEMO_SLUG))
    statuses = sorted(m.status for m in community.memberships)
    assert statuses.count(MembershipStatus.ACTIVE) >= 3
    assert statuses.count(MembershipStatus.APPLYING) >= 1
    before = _snapshot()
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert "not loaded" in second.output
    assert _snapshot() == before
    assert auth.login(ADMIN[0], DEMO_PASSWORD).status_code == 302
    assert client.get(f"/c/{DEMO_SLUG}/applicants/").status_code == 200


def test_demo_is_not_loaded_into_a_database_with_accounts(runner):
    """A database that already has accounts never receives the demo data."""
    make_user()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0
    assert _count(Community) == 0


def test_create_admin(runner):
    """``create-admin`` makes an installation administrator who can log in."""
    result = runner.invoke(
        args=["create-admin", "--email", "Boss@Example.org", "--name", "Boss"],
        input="a long admin sentence\na long admin sentence\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "boss@example.org"))
    assert user.is_admin and user.password_hash.startswith("$argon2id$")


def test_create_admin_refuses_a_weak_password_or_a_taken_address(runner):
    """A weak password or a taken e-mail gives a clear error and a nonzero exit."""
    weak = runner.invoke(
        args=["create-admin", "--email", "boss@example.org", "--name", "Boss"],
        input="short\nshort\n",
    )
    assert weak.exit_code != 0
    assert "Use at least 12 characters." in weak.output
    make_user(email="taken@example.org")
    taken = runner.invoke(
        args=["create-admin", "--email", "TAKEN@example.org", "--name", "Boss"],
        input="a long admin sentence\na long admin sentence\n",
    )
    assert taken.exit_code != 0
    assert "already exists" in taken.output
    assert _count(User, User.is_admin.is_(True)) == 0


def test_create_community_with_a_coordinator(runner):
    """``create-community`` creates it and appoints an existing account as coordinator."""
    coordinator = make_user(email="karim@example.org")
    result = runner.invoke(
        args=[
            "create-community",
            "--slug",
            "east-side",
            "--name",
            "East Side",
            "--name-ar",
            "الحي الشرقي",
            "--coordinator",
            "karim@example.org",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "/c/east-side/" in result.output
    community = db.session.scalar(select(Community).where(Community.slug == "east-side"))
    membership = coordinator.membership_in(community.id)
    assert membership.role == Role.COORDINATOR and membership.is_active
    assert _count(AuditEvent, AuditEvent.action == "membership.role_change") == 1


def test_create_community_refuses_a_bad_slug(runner):
    """A bad slug gives a clear, translated error and a nonzero exit; nothing is saved."""
    for slug in ("Not A Slug!", "-x", "a", "x" * 61, "ümlaut"):
        result = runner.invoke(args=["create-community", "--slug", slug, "--name", "Bad"])
        assert result.exit_code != 0, slug
        assert "Use 2–60 lowercase letters, digits and hyphens." in result.output, slug
        assert "Traceback" not in result.output
    assert _count(Community) == 0


def test_create_community_with_an_unknown_coordinator_saves_nothing(runner):
    """If the coordinator does not exist, the community is not half-created."""
    result = runner.invoke(
        args=[
            "create-community",
            "--slug",
            "east-side",
            "--name",
            "East Side",
            "--coordinator",
            "ghost@example.org",
        ]
    )
    assert result.exit_code != 0
    assert "No account uses this e-mail address." in result.output
    assert _count(Community) == 0 and _count(AuditEvent) == 0
