"""The coordinator dashboard: what needs action today, as counts. A fixed number of
aggregate queries, whatever the number of members (a test counts them). Also the member
filters the counts link to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import BigInteger, and_, cast, func, or_, select
from sqlalchemy.orm import joinedload

from timebank.extensions import MAX_PAGE, db
from timebank.models import (
    Account,
    AccountKind,
    Community,
    Exchange,
    ExchangeStatus,
    Membership,
    MembershipStatus,
    utcnow,
)
from timebank.services import identifiers
from timebank.services.ledger import activity
from timebank.services.paging import Page

# A balance worth a coordinator's look: beyond 4/5 of a limit (integer arithmetic, so
# the whole-minute columns never see a float).
WARNING_NUMERATOR, WARNING_DENOMINATOR = 4, 5


def _wide(column: Any) -> Any:
    """The column as a 64-bit integer: PostgreSQL multiplies 32-bit columns in 32 bits,
    and a limit near the column's maximum times 4 would overflow (an error, not a page)."""
    return cast(column, BigInteger)


@dataclass(frozen=True)
class Count:
    key: str
    label: object  # a lazy translatable string
    value: int | None  # None: this figure is not available yet
    endpoint: str | None = None
    args: dict | None = None


# Extension point: other areas (companionship: concerns raised, safeguarding checks
# expiring in 30 days, recipients possibly isolated; listings: reported listings)
# register ``f(community) -> list[Count]`` here; each should issue a fixed number of
# queries.
PROVIDERS: list[Callable[[Community], list[Count]]] = []


def _no_recent_exchange(community: Community, since: date):
    """Active members with no exchange since ``since``: read from each account's last
    exchange date (``ledger.activity``), never from the whole history."""
    return and_(
        Membership.community_id == community.id,
        Membership.status == MembershipStatus.ACTIVE,
        activity.quiet_since(since),
    )


def _beyond_warning():
    return or_(
        and_(
            Account.credit_limit > 0,
            _wide(Account.balance) * WARNING_DENOMINATOR
            <= -(_wide(Account.credit_limit) * WARNING_NUMERATOR),
        ),
        and_(
            Account.upper_limit.is_not(None),
            Account.upper_limit > 0,
            _wide(Account.balance) * WARNING_DENOMINATOR
            >= _wide(Account.upper_limit) * WARNING_NUMERATOR,
        ),
    )


FILTERS = ("inactive60", "inactive90", "beyond_limits")


def member_filter(community: Community, name: str, *, today: date | None = None):
    """A WHERE clause for the members list (used with an outer join to ``Account``)."""
    today = today or utcnow().date()
    if name == "inactive60":
        return _no_recent_exchange(community, today - timedelta(days=60))
    if name == "inactive90":
        return _no_recent_exchange(community, today - timedelta(days=90))
    if name == "beyond_limits":
        return and_(Membership.status == MembershipStatus.ACTIVE, _beyond_warning())
    raise ValueError(name)


@dataclass(frozen=True)
class MemberQuery:
    """The console member list's choice: a filter of ``FILTERS`` (``chosen``) wins over a
    membership status; ``number`` (a whole number, Latin or Arabic-Indic digits) picks one
    member. A status, filter or number that is not one matches nobody (``problems``)."""

    status: str = "active"
    chosen: str | None = None
    number: str = ""

    def problems(self) -> set[str]:
        """The names of the choices that cannot be applied (the list is then empty)."""
        wrong = set()
        if self.chosen is not None and self.chosen not in FILTERS:
            wrong.add("filter")
        if self.chosen is None and self.status not in {s.value for s in MembershipStatus}:
            wrong.add("status")
        if self.number and identifiers.parse_id(self.number, typed=True) is None:
            wrong.add("number")
        return wrong


def member_page(community: Community, wanted: MemberQuery, *, page: int, per_page: int) -> Page:
    """One page of the console's member list: rows of (membership, balance or None), by
    member number (a page number beyond ``MAX_PAGE`` shows an empty page, as ``db.paginate``).
    Choices that cannot be applied (``MemberQuery.problems``) match nobody."""
    page = min(max(page, 1), MAX_PAGE)
    if wanted.problems():
        return Page(items=[], page=1, per_page=per_page, total=0)
    query = (
        select(Membership, Account.balance)
        .outerjoin(Account, Account.membership_id == Membership.id)
        .options(joinedload(Membership.user))
        .where(Membership.community_id == community.id)
    )
    if wanted.chosen is not None:
        query = query.where(member_filter(community, wanted.chosen))
    else:
        query = query.where(Membership.status == wanted.status)
    if wanted.number:
        query = query.where(
            Membership.member_number == identifiers.parse_id(wanted.number, typed=True)
        )
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.execute(
        query.order_by(Membership.member_number, Membership.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(items=list(rows), page=page, per_page=per_page, total=total or 0)


def _count_members(community: Community, name: str, today: date) -> int:
    query = (
        select(func.count(Membership.id))
        .select_from(Membership)
        .outerjoin(Account, Account.membership_id == Membership.id)
        .where(Membership.community_id == community.id, member_filter(community, name, today=today))
    )
    return db.session.scalar(query) or 0


def _pot_past_limit(community: Community) -> int:
    """How far write-offs of departing members' debts took the pot below its limit."""
    pot = db.session.execute(
        select(Account.balance, Account.credit_limit).where(
            Account.community_id == community.id, Account.kind == AccountKind.POT
        )
    ).first()
    return max(0, -(pot.balance + pot.credit_limit)) if pot is not None else 0


def counts(community: Community, *, today: date | None = None) -> list[Count]:
    """Every dashboard figure for ``community``."""
    from flask_babel import lazy_gettext as _l

    today = today or utcnow().date()
    awaiting = db.session.scalar(
        select(func.count(Exchange.id)).where(
            Exchange.community_id == community.id,
            Exchange.status == ExchangeStatus.AWAITING_APPROVAL,
        )
    )
    applicants = db.session.scalar(
        select(func.count(Membership.id)).where(
            Membership.community_id == community.id,
            Membership.status == MembershipStatus.APPLYING,
        )
    )
    figures = [
        Count("awaiting", _l("Exchanges awaiting approval"), awaiting, "exchanges.queue"),
        Count("applicants", _l("Applicants"), applicants, "community.applicants"),
    ]
    for name, label in (
        ("inactive60", _l("Members with no exchange in 60 days")),
        ("inactive90", _l("Members with no exchange in 90 days")),
        ("beyond_limits", _l("Balances near or beyond their limits")),
    ):
        figures.append(
            Count(name, label, _count_members(community, name, today), "console.members",
                  {"filter": name})
        )  # fmt: skip
    past = _pot_past_limit(community)
    if past:
        figures.append(
            Count("pot_past_limit", _l("Minutes the community pot is past its limit"), past)
        )
    for provider in PROVIDERS:
        figures.extend(provider(community))
    known = {f.key for f in figures}
    for key, label in (
        ("concerns", _l("Concerns raised")),
        ("safeguarding", _l("Safeguarding checks expiring in 30 days")),
        ("isolated", _l("Companionship recipients possibly isolated")),
        ("reported", _l("Listings reported")),
    ):
        if key not in known:
            figures.append(Count(key, label, None))
    return figures
