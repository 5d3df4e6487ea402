"""Callable factories with sensible defaults. They write through the services where a
rule matters, and commit, as a request would."""

from __future__ import annotations

import functools
import itertools

from timebank.extensions import db
from timebank.models import Community, Membership, MembershipStatus, Role, User
from timebank.services.auth import users as accounts
from timebank.services.community import communities, memberships, profiles

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def make_user(
    *,
    email: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
    admin: bool = False,
    locale: str | None = "en",
) -> User:
    n = next(_counter)
    user = accounts.create_user(
        email=email or f"user{n}@example.org",
        display_name=name or f"Person {n}",
        password=password,
        is_admin=admin,
        locale=locale,
    )
    db.session.commit()
    return user


def make_community(*, slug: str | None = None, name: str | None = None) -> Community:
    n = next(_counter)
    community = communities.create(
        actor=None, slug=slug or f"bank-{n}", name=name or f"Bank {n}", name_ar=f"بنك {n}"
    )
    db.session.commit()
    return community


def make_member(
    community: Community,
    *,
    role: Role = Role.MEMBER,
    status: MembershipStatus = MembershipStatus.ACTIVE,
    user: User | None = None,
    **user_kwargs,
) -> Membership:
    """A user with a membership in ``community`` in the given role and status."""
    user = user or make_user(**user_kwargs)
    membership = Membership(
        user=user, community=community, role=role, status=MembershipStatus.APPLYING
    )
    db.session.add(membership)
    db.session.flush()
    if status != MembershipStatus.APPLYING:
        membership.member_number = memberships.allocate_member_number(community)
        membership.status = status
        profiles.ensure(membership)
    db.session.commit()
    return membership


def make_reset_token(user: User) -> str:
    """A valid password-reset token for ``user``, as the e-mail link would carry it."""
    tokens: list[str] = []
    accounts.request_password_reset(user.email, link_for=lambda token: tokens.append(token) or "")
    db.session.commit()
    return tokens[0]


class World:
    """One of everything the access tests need: a community with a member, a coordinator,
    a community admin and an applicant; a second community with its own member; a site
    admin. Every account uses ``PASSWORD``."""

    def __init__(self) -> None:
        self.community = make_community(slug="home-bank")
        self.other_community = make_community(slug="other-bank")
        self.member_membership = make_member(self.community)
        self.member = self.member_membership.user
        self.coordinator = make_member(self.community, role=Role.COORDINATOR).user
        self.community_admin = make_member(self.community, role=Role.ADMIN).user
        self.applicant_membership = make_member(self.community, status=MembershipStatus.APPLYING)
        self.applicant = self.applicant_membership.user
        self.outsider = make_member(self.other_community).user
        self.site_admin = make_user(admin=True)

    @functools.cached_property
    def listing(self):
        """An offer posted by ``member`` in ``community``."""
        from tests.listing_factories import make_listing

        return make_listing(self.member_membership)

    @functools.cached_property
    def category(self):
        from tests.listing_factories import category

        return category(self.community)

    def _exchange(self, *, actor, key: str):
        from datetime import date

        from timebank.services.exchanges import lifecycle as exchanges

        admin = self.community_admin.membership_in(self.community.id)
        exchange = exchanges.record(
            self.community, actor=actor, provider=self.member_membership, recipient=admin,
            minutes=60, service_date=date.today(), category="gardening",
            idempotency_key=f"world-{key}-{self.community.id}",
        )  # fmt: skip
        db.session.commit()
        return exchange

    @functools.cached_property
    def exchange(self):
        """Recorded by ``member`` for ``community_admin``, waiting for confirmation."""
        return self._exchange(actor=self.member, key="recorded")

    @functools.cached_property
    def posted_exchange(self):
        """Recorded by the coordinator on the members' behalf, so posted at once."""
        return self._exchange(actor=self.coordinator, key="posted")
