"""Two-factor sign-in (TOTP, RFC 6238): enrolment needs a right code, codes are accepted
once, recovery codes once each, remembered devices until anything changes, the
community's settings and an administrator's audited reset."""

from __future__ import annotations

from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_community, make_member, make_user
from tests.services.conftest import audit_count
from tests.two_factor_helpers import (
    code,
    code_at,
    enrol,
    to_arabic_indic,
    wrong_code,
)
from timebank.extensions import db
from timebank.models import AuditEvent, OutboxMessage, RecoveryCode, Role, User, utcnow
from timebank.services import permissions, privacy
from timebank.services.auth import two_factor
from timebank.services.auth import users as accounts
from timebank.services.exceptions import InvalidInput, NotAllowed, NotFound


@pytest.fixture
def user(app) -> User:
    return make_user(email="amira@example.org")


def _sign_in(user: User, **kwargs) -> two_factor.SignIn:
    result = two_factor.verify_sign_in(user, **kwargs)
    db.session.commit()
    return result


# -- Enrolment ------------------------------------------------------------------------


def test_enrolment_takes_effect_only_with_a_right_code(user):
    """A started enrolment is not in force; a wrong code leaves it off; the right code
    turns it on, audited, ends the sessions opened with the password alone, and gives
    ten recovery codes of which only hashes are kept."""
    two_factor.start_enrolment(user)
    assert user.totp_secret and not two_factor.is_enabled(user)
    assert two_factor.provisioning_uri(user).startswith("otpauth://totp/Timebank:")
    with pytest.raises(InvalidInput) as wrong:
        two_factor.confirm_enrolment(user, wrong_code(user))
    assert wrong.value.field == "code"
    assert not two_factor.is_enabled(user)
    assert not accounts.authenticate("amira@example.org", PASSWORD).needs_second_factor

    password_only_session = user.session_token
    codes = two_factor.confirm_enrolment(user, code(user))
    db.session.commit()
    assert two_factor.is_enabled(user)
    assert user.session_token != password_only_session  # such sessions end
    assert len(codes) == len(set(codes)) == 10
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not {c.replace("-", "") for c in codes} & set(stored)
    assert audit_count("two_factor.enable") == 1


def test_starting_again_replaces_the_key_and_an_enabled_one_cannot_restart(user):
    """Before confirmation a new key replaces the pending one; once on, it stays."""
    two_factor.start_enrolment(user)
    first = user.totp_secret
    two_factor.start_enrolment(user)
    assert user.totp_secret != first
    enrol(user)
    with pytest.raises(NotAllowed):
        two_factor.start_enrolment(user)
    with pytest.raises(NotAllowed):
        two_factor.confirm_enrolment(user, code(user))


# -- Codes --------------------------------------------------------------------------


def test_a_code_is_accepted_once(user):
    """Replaying a code within its window fails; the next step's code works; an older
    step's code after a newer one fails."""
    enrol(user)
    now = utcnow()
    current = code_at(user, now)
    assert _sign_in(user, code=current, now=now).ok
    assert not _sign_in(user, code=current, now=now).ok
    assert not _sign_in(user, code=current, now=now + timedelta(seconds=20)).ok
    later = now + timedelta(seconds=30)
    assert _sign_in(user, code=code_at(user, later), now=later).ok
    assert not _sign_in(user, code=code_at(user, now - timedelta(seconds=30)), now=later).ok
    assert audit_count("login.second_factor_failure") == 3


def test_a_clock_one_step_off_is_tolerated_two_steps_are_not(user):
    """RFC 6238 §5.2: one step of drift either side."""
    enrol(user)
    now = utcnow()
    assert not _sign_in(user, code=code_at(user, now - timedelta(seconds=61)), now=now).ok
    assert _sign_in(user, code=code_at(user, now - timedelta(seconds=30)), now=now).ok
    assert _sign_in(user, code=code_at(user, now + timedelta(seconds=30)), now=now).ok


def test_digits_of_any_script_and_spaces_are_read_as_the_code(user):
    """``١٢٣ ٤٥٦`` is 123456: Arabic-Indic and Persian digits, spaces and hyphens."""
    assert two_factor.normalise_code("١٢٣ ٤٥٦") == "123456"
    assert two_factor.normalise_code("۱۲۳-۴۵۶") == "123456"
    assert two_factor.normalise_code(" 12 34 56 ") == "123456"
    enrol(user)
    assert _sign_in(user, code=to_arabic_indic(code(user))).ok


@pytest.mark.parametrize(
    "typed",
    ["", "abcdef", "12345", "1234567", "12345\x00", "x" * 10_240, "9" * 10_240, "²³¹⁴⁵⁶", None],
)
def test_junk_is_a_wrong_code_never_an_error(user, typed):
    """Letters, too few or too many digits, NUL bytes, superscripts, 10 kB: refused."""
    enrol(user)
    assert not _sign_in(user, code=typed, recovery_code=typed).ok
    assert not two_factor.is_code_shaped(two_factor.normalise_code(typed))


# -- Recovery codes -------------------------------------------------------------------


def test_each_recovery_code_works_once(user):
    """A recovery code signs in once; typed in lower case, without hyphens or with O
    for 0 it is the same code; used again it fails; the count goes down."""
    codes = enrol(user)
    assert two_factor.recovery_codes_left(user) == 10
    assert _sign_in(user, code=None, recovery_code=codes[0]).method == "recovery_code"
    assert not _sign_in(user, code=None, recovery_code=codes[0]).ok
    loose = codes[1].lower().replace("-", " ").replace("0", "o")
    assert _sign_in(user, code=None, recovery_code=loose).ok
    assert not _sign_in(user, code=None, recovery_code=codes[1]).ok
    assert two_factor.recovery_codes_left(user) == 8


def test_new_recovery_codes_replace_the_old_ones(user):
    """Making new codes needs a right code; the old codes stop working."""
    old = enrol(user)
    with pytest.raises(InvalidInput):
        two_factor.regenerate_recovery_codes(user, code=wrong_code(user))
    new = two_factor.regenerate_recovery_codes(user, code=code(user))
    db.session.commit()
    assert not set(old) & set(new)
    assert not _sign_in(user, code=None, recovery_code=old[2]).ok
    assert _sign_in(user, code=None, recovery_code=new[2]).ok
    assert audit_count("two_factor.recovery_codes") == 1


# -- Signing in -----------------------------------------------------------------------


def test_the_password_alone_does_not_sign_in_someone_enrolled(user):
    """With two-factor sign-in on, the right password asks for a code: not signed in,
    not counted as a login, audited as such."""
    enrol(user)
    result = accounts.authenticate("amira@example.org", PASSWORD)
    assert result.needs_second_factor and not result.ok and result.user == user
    assert user.last_login_at is None
    assert audit_count("login.second_factor_asked") == 1
    assert audit_count("login.success") == 0
    assert _sign_in(user, code=code(user)).ok
    assert user.last_login_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login.success"))
    assert event.details == {"second_factor": "totp"}


def test_disabling_needs_the_password_and_a_code(user):
    """Wrong password or wrong code: still on. Both right: off, with recovery codes gone."""
    enrol(user)
    with pytest.raises(InvalidInput) as wrong_password:
        two_factor.disable(user, password="not my password", code=code(user))
    assert wrong_password.value.field == "password"
    db.session.rollback()
    with pytest.raises(InvalidInput) as wrong:
        two_factor.disable(user, password=PASSWORD, code=wrong_code(user))
    assert wrong.value.field == "code"
    db.session.rollback()
    two_factor.disable(user, password=PASSWORD, code=code(user))
    db.session.commit()
    assert not two_factor.is_enabled(user) and user.totp_secret is None
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert audit_count("two_factor.disable") == 1


def test_disabling_with_a_recovery_code(user):
    """Someone who lost their phone turns it off with a recovery code."""
    codes = enrol(user)
    two_factor.disable(user, password=PASSWORD, code=None, recovery_code=codes[5])
    assert not two_factor.is_enabled(user)


# -- Remembered devices ---------------------------------------------------------------


@pytest.fixture
def remembering(app) -> User:
    """A member of a community that allows remembered devices, enrolled."""
    community = make_community()
    community.allow_remembered_devices = True
    member = make_member(community, email="grace@example.org").user
    enrol(member)
    return member


def test_a_remembered_device_skips_the_code(remembering):
    """A sign-in asking to remember the device gets a token; with it, the password
    alone signs in (audited as a remembered device)."""
    result = _sign_in(remembering, code=code(remembering), remember=True)
    assert result.device_token
    login = accounts.authenticate("grace@example.org", PASSWORD, device_token=result.device_token)
    assert login.ok and not login.needs_second_factor
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "login.success").order_by(AuditEvent.id)
    ).all()[-1]
    assert event.details == {"second_factor": "device"}


def test_a_remembered_device_is_forgotten_when_anything_changes(remembering, monkeypatch):
    """Another user's token, a tampered one, an expired one, a community that stops
    allowing it, a new password, a reset: the code is asked for again."""
    token = _sign_in(remembering, code=code(remembering), remember=True).device_token
    assert two_factor.device_remembered(remembering, token)
    other = make_member(remembering.memberships[0].community).user
    assert not two_factor.device_remembered(other, token)
    assert not two_factor.device_remembered(remembering, token[:-2] + "xx")
    assert not two_factor.device_remembered(remembering, "x" * 10_240)

    community = remembering.memberships[0].community
    community.allow_remembered_devices = False
    assert not two_factor.device_remembered(remembering, token)
    community.allow_remembered_devices = True

    later = TimestampSigner.get_timestamp
    days = two_factor.remember_days()
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda s: later(s) + days * 86400 + 1)
    assert not two_factor.device_remembered(remembering, token)
    monkeypatch.undo()
    assert two_factor.device_remembered(remembering, token)

    accounts.change_password(remembering, current=PASSWORD, new="another long sentence here")
    assert not two_factor.device_remembered(remembering, token)


def test_remembering_needs_every_community_to_allow_it(remembering):
    """A member of a second community that does not allow it gets no token."""
    make_member(make_community(), user=remembering)
    db.session.refresh(remembering)
    assert not two_factor.remembering_allowed(remembering)
    assert _sign_in(remembering, code=code(remembering), remember=True).device_token is None


def test_nobody_is_remembered_where_no_community_allows_it(user):
    """The default: communities do not allow remembered devices."""
    make_member(make_community(), user=user)
    enrol(user)
    db.session.refresh(user)
    assert _sign_in(user, code=code(user), remember=True).device_token is None


# -- Communities that require it --------------------------------------------------------


def test_coordinators_of_a_community_that_requires_it_must_enrol(app):
    """Coordinators and admins there, and installation admins looking at it, must set
    it up first; members need not; once enrolled, nothing is due."""
    community = make_community()
    coordinator = make_member(community, role=Role.COORDINATOR).user
    admin = make_member(community, role=Role.ADMIN).user
    member = make_member(community).user
    site_admin = make_user(admin=True)
    assert not two_factor.enrolment_due(coordinator)
    community.require_two_factor = True
    db.session.commit()
    for person in (coordinator, admin):
        assert two_factor.enrolment_due(person)
        assert permissions.must_set_up_second_factor(person, community)
    assert permissions.must_set_up_second_factor(site_admin, community)
    assert not two_factor.enrolment_due(site_admin)
    assert two_factor.enrolment_due(site_admin, site_admins=True)
    assert not two_factor.enrolment_due(member)
    assert not permissions.must_set_up_second_factor(member, community)
    enrol(coordinator)
    assert not two_factor.enrolment_due(coordinator)
    assert not permissions.must_set_up_second_factor(coordinator, community)


def test_only_an_enrolled_community_admin_can_require_it(app):
    """Coordinators cannot change the setting; an admin must be enrolled to require it
    (nobody locks themselves out); the change is audited."""
    community = make_community()
    coordinator = make_member(community, role=Role.COORDINATOR).user
    admin = make_member(community, role=Role.ADMIN).user
    settings = {"require_two_factor": True, "allow_remembered_devices": True}
    with pytest.raises(NotAllowed):
        two_factor.update_policy(community, actor=coordinator, **settings)
    with pytest.raises(InvalidInput) as first:
        two_factor.update_policy(community, actor=admin, **settings)
    assert first.value.field == "require_two_factor"
    enrol(admin)
    two_factor.update_policy(community, actor=admin, **settings)
    db.session.commit()
    assert community.require_two_factor and community.allow_remembered_devices
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "community.sign_in_settings")
    )
    assert event.community_id == community.id and event.actor_id == admin.id
    status = dict((m.user_id, on) for m, on in two_factor.coordinators_status(community))
    assert status == {coordinator.id: False, admin.id: True}


# -- An administrator's reset ----------------------------------------------------------------


def test_a_community_admin_resets_a_members_two_factor_audited(app):
    """The secret, recovery codes and sessions go; the member is told by e-mail; the
    event names the admin and the community."""
    community = make_community()
    admin = make_member(community, role=Role.ADMIN).user
    member = make_member(community, email="lost.phone@example.org").user
    enrol(member)
    token = member.session_token
    two_factor.reset(member, actor=admin, community=community)
    db.session.commit()
    assert not two_factor.is_enabled(member) and member.totp_secret is None
    assert member.session_token != token
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    mail = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.to_address == "lost.phone@example.org")
    )
    assert "two-factor" in mail.subject.lower()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "two_factor.reset"))
    assert (event.actor_id, event.community_id, event.object_id) == (
        admin.id,
        community.id,
        member.id,
    )


def test_who_may_reset(app):
    """Not a coordinator, not oneself, not another community's member, not an
    installation admin unless by one; nothing to reset is a message."""
    community = make_community()
    admin = make_member(community, role=Role.ADMIN).user
    coordinator = make_member(community, role=Role.COORDINATOR).user
    member = make_member(community).user
    outsider = make_member(make_community()).user
    site_admin = make_user(admin=True)
    make_member(community, user=site_admin)
    for person in (member, admin, outsider, site_admin):
        enrol(person)
    with pytest.raises(NotAllowed):
        two_factor.reset(member, actor=coordinator, community=community)
    with pytest.raises(NotAllowed):
        two_factor.reset(admin, actor=admin, community=community)
    with pytest.raises(NotFound):
        two_factor.reset(outsider, actor=admin, community=community)
    with pytest.raises(NotAllowed):
        two_factor.reset(site_admin, actor=admin, community=community)
    with pytest.raises(InvalidInput):
        two_factor.reset(coordinator, actor=admin, community=community)
    other_site_admin = make_user(admin=True)
    two_factor.reset(site_admin, actor=other_site_admin, community=community)
    assert not two_factor.is_enabled(site_admin)


def test_erasure_leaves_no_second_factor(app):
    """Erasing a person's data removes their secret and recovery codes."""
    community = make_community()
    member = make_member(community).user
    enrol(member)
    privacy.erase_self(member, password=PASSWORD)
    db.session.commit()
    assert member.totp_secret is None and member.totp_confirmed_at is None
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
