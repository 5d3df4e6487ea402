"""Read-only queries behind the hour pages: a member's hours and pending exchanges, the
statement and the approval queue. Each page costs a fixed number of queries whatever the
size of the ledger (DESIGN.md §10)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from timebank.extensions import db
from timebank.models import (
    PENDING_STATUSES,
    Account,
    Community,
    Entry,
    Exchange,
    ExchangeStatus,
    ExchangeText,
    Membership,
    TextKind,
    User,
)
from timebank.services import audit, paging, permissions
from timebank.services.exceptions import NotAllowed
from timebank.services.exchanges import limit_notices
from timebank.services.exchanges.lookups import account_of
from timebank.services.exchanges.rows import ExchangeRow, rows_query, to_row
from timebank.services.ledger import rules
from timebank.services.paging import Page


def _paginate(query, count_query, page: int, per_page: int, convert) -> Page:
    total = db.session.scalar(count_query) or 0
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page([convert(r) for r in rows], page, per_page, total)


# -- My hours ---------------------------------------------------------------------------


@dataclass
class MyHours:
    balance: int
    credit_limit: int
    upper_limit: int | None
    to_confirm: list[ExchangeRow] = field(default_factory=list)
    waiting_for_other: list[ExchangeRow] = field(default_factory=list)
    waiting_for_coordinator: list[ExchangeRow] = field(default_factory=list)
    pending_total: int = 0

    @property
    def headroom(self) -> int:
        return rules.headroom(self.balance, self.credit_limit)

    @property
    def paused(self) -> str | None:
        """Said when a coordinator lowered a limit past the balance (issue 14)."""
        return limit_notices.paused_message(self.balance, self.credit_limit, self.upper_limit)


def my_hours(membership: Membership, *, limit: int = 50) -> MyHours:
    """The member's posted balance and their pending exchanges (the ``limit`` most recent),
    grouped by whose move it is."""
    account = account_of(membership)
    if account is None:
        community = membership.community
        return MyHours(0, community.default_credit_limit, community.default_upper_limit)
    mine = or_(
        Exchange.provider_account_id == account.id, Exchange.recipient_account_id == account.id
    )
    pending = and_(mine, Exchange.status.in_(PENDING_STATUSES))
    total = db.session.scalar(select(func.count()).select_from(Exchange).where(pending)) or 0
    rows = db.session.execute(rows_query().where(pending).order_by(Exchange.id.desc()).limit(limit))
    hours = MyHours(account.balance, account.credit_limit, account.upper_limit, pending_total=total)
    for row in map(to_row, rows):
        if row.status == ExchangeStatus.AWAITING_APPROVAL:
            hours.waiting_for_coordinator.append(row)
        elif row.recorded_by_id == membership.user_id:
            hours.waiting_for_other.append(row)
        else:
            hours.to_confirm.append(row)
    return hours


# -- Approval queue -----------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    status: str = "awaiting_approval"  # or "recorded", or "pending" (both)
    category: str | None = None
    member: int | None = None  # member number, either party
    date_from: date | None = None
    date_to: date | None = None


def approval_queue(
    community: Community, filters: QueueFilters | None, *, page: int = 1, per_page: int = 25
) -> Page:
    """Pending exchanges of ``community``, oldest first, with both parties' balances.
    ``None``: filters that could not be read, which match nothing (never the whole queue)."""
    if filters is None:
        return Page(items=[], page=1, per_page=per_page, total=0)
    if filters.status == "recorded":
        statuses = [ExchangeStatus.RECORDED]
    elif filters.status == "pending":
        statuses = list(PENDING_STATUSES)
    else:
        statuses = [ExchangeStatus.AWAITING_APPROVAL]
    conditions = [Exchange.community_id == community.id, Exchange.status.in_(statuses)]
    if filters.category:
        conditions.append(Exchange.category == filters.category)
    if filters.date_from:
        conditions.append(Exchange.service_date >= filters.date_from)
    if filters.date_to:
        conditions.append(Exchange.service_date <= filters.date_to)
    if filters.member is not None:
        accounts = (
            select(Account.id)
            .join(Membership, Membership.id == Account.membership_id)
            .where(
                Membership.community_id == community.id,
                Membership.member_number == filters.member,
            )
            .scalar_subquery()
        )
        conditions.append(
            or_(
                Exchange.provider_account_id == accounts,
                Exchange.recipient_account_id == accounts,
            )
        )
    count = select(func.count()).select_from(Exchange).where(*conditions)
    total = db.session.scalar(count) or 0
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    keys = select(Exchange.id).where(*conditions).order_by(Exchange.id)
    seek = paging.from_first_key(Exchange.id, keys, page=page, per_page=per_page,
                                 descending=False)  # fmt: skip
    query = rows_query().where(*conditions, seek).order_by(Exchange.id).limit(per_page)
    return Page([to_row(r) for r in db.session.execute(query).all()], page, per_page, total)


# -- Statement ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    entry_id: int
    posted_at: datetime
    delta: int
    balance_after: int
    exchange_id: int
    kind: str
    service_date: date
    category: str
    reverses_exchange_id: int | None
    counterpart_number: int | None
    counterpart_name: str | None  # None: the community pot
    description: str | None


def running_balance():
    """The balance after each line in the order a statement reads: by the date of the
    service, then by posting (``Entry.balance_after`` follows posting order only, so a
    late-recorded exchange would show a balance out of step with the lines above it)."""
    return func.sum(Entry.delta).over(order_by=(Exchange.service_date, Entry.id))


def _statement_query(account_id: int):
    # Aliased per call, not at import: the first alias configures every mapper.
    other = aliased(Entry)
    other_account, other_membership = aliased(Account), aliased(Membership)
    other_user = aliased(User)
    return (
        select(
            Entry.id,
            Entry.created_at,
            Entry.delta,
            running_balance(),
            Exchange.id,
            Exchange.kind,
            Exchange.service_date,
            Exchange.category,
            Exchange.reverses_exchange_id,
            other_membership.member_number,
            other_user.display_name,
            ExchangeText.body,
        )  # fmt: skip
        .join(Exchange, Exchange.id == Entry.exchange_id)
        .join(other, and_(other.exchange_id == Entry.exchange_id, other.account_id != account_id))
        .join(other_account, other_account.id == other.account_id)
        .outerjoin(other_membership, other_membership.id == other_account.membership_id)
        .outerjoin(other_user, other_user.id == other_membership.user_id)
        .outerjoin(
            ExchangeText,
            and_(
                ExchangeText.exchange_id == Exchange.id,
                ExchangeText.kind == TextKind.DESCRIPTION,
            ),
        )
        .where(Entry.account_id == account_id)
    )


def _line(r) -> StatementLine:
    return StatementLine(
        r[0], r[1], r[2], r[3], r[4], r[5].value, r[6], r[7], r[8], r[9], r[10], r[11]
    )


def statement_page(account: Account, *, page: int = 1, per_page: int = 25) -> Page:
    """Every posted movement of ``account``, latest service date first (then latest
    posted), with the running balance in that order."""
    count = select(func.count()).select_from(Entry).where(Entry.account_id == account.id)
    query = _statement_query(account.id).order_by(Exchange.service_date.desc(), Entry.id.desc())
    return _paginate(query, count, page, per_page, _line)


def statement_count(account: Account) -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(Entry).where(Entry.account_id == account.id)
        )
        or 0
    )


def statement_lines(account_id: int, *, batch: int = 1000) -> Iterator[StatementLine]:
    """The whole statement of an account, by service date then posting, streamed."""
    query = (
        _statement_query(account_id)
        .order_by(Exchange.service_date, Entry.id)
        .execution_options(yield_per=batch)
    )
    for row in db.session.execute(query):
        yield _line(row)


def record_statement_export(
    community: Community, account: Account, *, actor: User, rows: int
) -> None:
    """Audit a statement download (``export.statement``): the account owner, or a
    coordinator of the community. Identifiers and the row count only, no personal data.
    Raises ``NotAllowed``."""
    owner = permissions.membership_of(actor, community)
    own = owner is not None and account.membership_id == owner.id
    if account.community_id != community.id or not (
        own or permissions.can_act_for_members(actor, community)
    ):
        raise NotAllowed()
    audit.record(
        "export.statement",
        actor=actor,
        community_id=community.id,
        obj=account,
        details={"rows": rows},
    )
