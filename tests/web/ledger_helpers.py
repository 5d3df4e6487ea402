"""A community for the hour-page tests: members who can log in, and ledger counters."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from tests.factories import PASSWORD, make_community, make_member
from timebank.extensions import db
from timebank.models import Community, Entry, Exchange, Membership, Role
from timebank.services.auth import passwords
from timebank.services.ledger import posting as ledger

_hash: list[str] = []


def member(community: Community, name: str, **kwargs) -> Membership:
    """A member who can log in with ``PASSWORD`` (hashed once per run: argon2 is slow)."""
    if not _hash:
        _hash.append(passwords.hash_password(PASSWORD))
    membership = make_member(community, name=name, password=None, **kwargs)
    membership.user.password_hash = _hash[0]
    db.session.commit()
    return membership


@dataclass
class Town:
    community: Community
    coordinator: Membership
    coordinator2: Membership
    salma: Membership
    omar: Membership
    grace: Membership

    @property
    def slug(self) -> str:
        return self.community.slug

    def url(self, path: str) -> str:
        return f"/c/{self.slug}/{path}"


def make_town(**policy) -> Town:
    community = make_community()
    for name, value in policy.items():
        assert hasattr(Community, name), f"communities have no {name}"
        setattr(community, name, value)
    db.session.commit()
    town = Town(
        community=community,
        coordinator=member(community, "Karim Nasser", role=Role.COORDINATOR),
        coordinator2=member(community, "Amira Haddad", role=Role.COORDINATOR),
        salma=member(community, "Salma Khoury"),
        omar=member(community, "Omar Farouk"),
        grace=member(community, "Grace Miller"),
    )
    ledger.ensure_accounts(community)
    db.session.commit()
    return town


def login(auth, membership: Membership):
    auth.logout()
    response = auth.login(membership.user.email, PASSWORD)
    assert response.status_code == 302
    return response


def counts() -> tuple[int, int]:
    """(exchanges, entries): what a refused form must leave unchanged."""
    return (
        db.session.scalar(select(func.count()).select_from(Exchange)),
        db.session.scalar(select(func.count()).select_from(Entry)),
    )


def balance(membership: Membership) -> int:
    db.session.expire_all()
    return ledger.ensure_account(membership).balance


_KEY_RE = re.compile(
    r'name="idempotency_key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="idempotency_key"'
)


def form_key(html: str) -> str:
    match = _KEY_RE.search(html)
    assert match, "no idempotency key on the page"
    return match.group(1) or match.group(2)
