"""Finding members for the hour pages: by member number (Latin or Arabic-Indic digits) or
by a part of their name (folded by ``textsearch.name_key``, so Arabic spellings match);
the member behind an account; read-only, never creating rows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from timebank.extensions import db
from timebank.models import (
    Account,
    AccountKind,
    Community,
    Membership,
    MembershipStatus,
    User,
)
from timebank.services.identifiers import latin_digits
from timebank.services.textsearch import name_key


def member_number(text: str | None) -> int | None:
    """``12``, ``#12`` or ``١٢`` → 12; None when the text is not a member number."""
    raw = latin_digits((text or "").strip().lstrip("#").strip())
    if not raw or len(raw) > 9 or any(c not in "0123456789" for c in raw):
        return None
    return int(raw)


@dataclass(frozen=True)
class MemberChoice:
    membership_id: int
    number: int | None
    name: str
    active: bool


def find_members(community: Community, text: str, *, limit: int = 10) -> list[MemberChoice]:
    """Members of ``community`` matching a member number exactly, or else a part of their
    name (active members only, at most ``limit``). Inactive members are returned for a
    number, so the page can say why they cannot be chosen."""
    number = member_number(text)
    query = (
        select(Membership.id, Membership.member_number, User.display_name, Membership.status)
        .join(User, User.id == Membership.user_id)
        .where(Membership.community_id == community.id)
    )
    if number is not None:
        query = query.where(Membership.member_number == number)
    else:
        # Folded as the names are (hamza, taa marbuta, alef maqsura, marks, case,
        # digits): "احمد" finds "أحمد".
        needle = name_key(text).strip()
        if len(needle) < 2:
            return []
        query = query.where(
            Membership.status == MembershipStatus.ACTIVE,
            User.search_name.contains(needle, autoescape=True),
        )
    rows = db.session.execute(query.order_by(Membership.member_number).limit(limit)).all()
    return [MemberChoice(r[0], r[1], r[2], r[3] == MembershipStatus.ACTIVE) for r in rows]


def account_of(membership: Membership) -> Account | None:
    """The membership's account, if it has one yet (reading never creates it)."""
    return db.session.scalar(select(Account).where(Account.membership_id == membership.id))


def account_owner(account_id: int) -> MemberChoice | None:
    """The member behind an account (None for the pot), e.g. to name who is over a limit."""
    result = db.session.execute(
        select(Membership.id, Membership.member_number, User.display_name, Membership.status)
        .join(Account, Account.membership_id == Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(Account.id == account_id)
    ).first()
    if result is None:
        return None
    return MemberChoice(result[0], result[1], result[2], result[3] == MembershipStatus.ACTIVE)


def pot_balance(community: Community) -> int:
    return (
        db.session.scalar(
            select(Account.balance).where(
                Account.community_id == community.id, Account.kind == AccountKind.POT
            )
        )
        or 0
    )
