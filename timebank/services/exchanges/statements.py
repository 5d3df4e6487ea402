"""Read-only queries behind the hour pages: a member's hours and pending exchanges, the
statement and the approval queue. Each page costs a fixed number of queries whatever the
size of the ledger (DESIGN.md §10)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Date, and_, func, literal, or_, select, tuple_
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


# A statement is paged by number up to this many entries (a member's whole history; the
# community pot's latest 400 pages). Counting further would cost a pass over a heavy
# account's entries on every page; the CSV download and the printable statement for
# chosen days reach the older ones.
STATEMENT_COUNT_CAP = 10_000


def _statement_query(account_id: int, *columns):
    """The lines of an account's statement (each entry with its exchange, the other leg's
    holder and the description), plus ``columns``; no order yet. The service date is the
    entry's own copy, so the order and the seek come from ``ix_entries_account_service_date``."""
    # Aliased per call, not at import: the first alias configures every mapper.
    other = aliased(Entry)
    other_account, other_membership = aliased(Account), aliased(Membership)
    other_user = aliased(User)
    return (
        select(
            Entry.id,
            Entry.created_at,
            Entry.delta,
            Exchange.id,
            Exchange.kind,
            Entry.service_date,
            Exchange.category,
            Exchange.reverses_exchange_id,
            other_membership.member_number,
            other_user.display_name,
            ExchangeText.body,
            *columns,
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


def _line(r, balance_after: int) -> StatementLine:
    return StatementLine(
        r[0], r[1], r[2], balance_after, r[3], r[4].value, r[5], r[6], r[7], r[8], r[9], r[10]
    )


def _key():
    """A line's place in a statement: the date of the service, then posting."""
    return tuple_(Entry.service_date, Entry.id)


def statement_page(account: Account, *, page: int = 1, per_page: int = 25) -> Page:
    """Every posted movement of ``account``, latest service date first (then latest
    posted), each with the balance after it in the order the statement reads (service
    date, then posting). Any page costs what the first does, however long the history (the
    community pot's too): its first line is found among the keys of
    ``ix_entries_account_service_date`` alone, the page seeks to it, and the balance after
    that line is the account's balance less the entries above it, summed in the same
    statement from that index. Counted up to ``STATEMENT_COUNT_CAP`` (``Page.capped``)."""
    keys = (
        select(Entry.service_date, Entry.id)
        .where(Entry.account_id == account.id)
        .order_by(Entry.service_date.desc(), Entry.id.desc())
    )
    total, capped = paging.capped_count(keys, STATEMENT_COUNT_CAP)
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    first = paging.first_key(keys, page=page, per_page=per_page)
    if first is None:
        return Page([], page, per_page, total, capped)
    top = tuple_(literal(first[0], Date()), literal(first[1]))
    above = (
        select(func.coalesce(func.sum(Entry.delta), 0))
        .where(Entry.account_id == account.id, _key() > top)
        .scalar_subquery()
    )
    balance = select(Account.balance - above).where(Account.id == account.id).scalar_subquery()
    query = (
        _statement_query(account.id, balance)
        .where(_key() <= top)
        .order_by(Entry.service_date.desc(), Entry.id.desc())
        .limit(per_page)
    )
    rows = db.session.execute(query).all()
    after = rows[0][-1] if rows else 0  # the balance after the page's first (latest) line
    lines = []
    for row in rows:
        lines.append(_line(row, after))
        after -= row[2]
    return Page(lines, page, per_page, total, capped)


def statement_count(account: Account) -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(Entry).where(Entry.account_id == account.id)
        )
        or 0
    )


def statement_lines(account_id: int, *, batch: int = 1000) -> Iterator[StatementLine]:
    """The whole statement of an account, by service date then posting, streamed in the
    order of ``ix_entries_account_service_date``, with the balance after each line counted
    up from zero as the rows come (the same balances as the statement's pages)."""
    query = (
        _statement_query(account_id)
        .order_by(Entry.service_date, Entry.id)
        .execution_options(yield_per=batch)
    )
    balance = 0
    for row in db.session.execute(query):
        balance += row[2]
        yield _line(row, balance)


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
