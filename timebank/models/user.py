"""Login identities."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from timebank.models.base import Base, utcnow
from timebank.services.textsearch import name_key

if TYPE_CHECKING:
    from timebank.models.community import Membership


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(80))
    # The display name folded for the member pickers (services.textsearch.name_key),
    # kept in step by ``_fold_name`` whenever the name is set.
    search_name: Mapped[str] = mapped_column(String(400), default="", server_default="")
    phone: Mapped[str | None] = mapped_column(String(40))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(5))
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_disabled: Mapped[bool] = mapped_column(default=False)
    # Rotated on logout and password change: every session cookie carries it, so a
    # cookie captured before that no longer authenticates (DESIGN.md §8).
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the person's data was erased (privacy rights): the row stays for the ledger.
    erased_at: Mapped[datetime | None]
    # Two-factor sign-in (TOTP, RFC 6238): the shared secret (base 32), set when enrolment
    # starts and in force once confirmed with a code; the time step of the last code
    # accepted, so no code is accepted twice (services/auth/two_factor.py).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]

    @validates("display_name")
    def _fold_name(self, _key: str, value: str) -> str:
        self.search_name = name_key(value)
        return value

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", foreign_keys="Membership.user_id"
    )

    __table_args__ = (
        # E-mail addresses are stored lower-cased, so plain uniqueness is case-insensitive.
        UniqueConstraint("email"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        CheckConstraint("failed_logins >= 0", name="failed_logins_non_negative"),
        CheckConstraint(
            "totp_confirmed_at IS NULL OR totp_secret IS NOT NULL", name="totp_confirmed_has_secret"
        ),
    )

    # Flask-Login protocol
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return not self.is_disabled

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def two_factor_enabled(self) -> bool:
        """Sign-in asks for a code from the person's authenticator app."""
        return self.totp_confirmed_at is not None

    def membership_in(self, community_id: int) -> Membership | None:
        for membership in self.memberships:
            if membership.community_id == community_id:
                return membership
        return None


class RecoveryCode(Base):
    """One of the single-use codes that replace the authenticator app once (a lost phone).
    Only a hash is kept; the codes are shown once, when made."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)
