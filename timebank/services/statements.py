"""Read-only queries behind the hour pages: a member's hours and pending exchanges, the
statement, the approval queue, one exchange's details and member look-up. Each page costs a
fixed number of queries whatever the size of the ledger (DESIGN.md §10): rows come from one
joined ``select()`` and are returned as plain dataclasses, so templates never lazy-load."""

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
    AccountKind,
    Community,
    Entry,
    Exchange,
    ExchangeStatus,
    ExchangeText,
    Membership,
    MembershipStatus,
    TextKind,
    User,
)
from timebank.services import rules

_LATIN_DIGITS = str.maketrans(
    {
        **{c: str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")},
        **{c: str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")},
    }
)


def member_number(text: str | None) -> int | None:
    """``12``, ``#12`` or ``١٢`` → 12; None when the text is not a member number."""
    raw = (text or "").strip().lstrip("#").strip().translate(_LATIN_DIGITS)
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
        needle = (text or "").strip().lower()
        if len(needle) < 2:
            return []
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(
            Membership.status == MembershipStatus.ACTIVE,
            func.lower(User.display_name).like(f"%{escaped}%", escape="\\"),
        )
    rows = db.session.execute(query.order_by(Membership.member_number).limit(limit)).all()
    return [MemberChoice(r[0], r[1], r[2], r[3] == MembershipStatus.ACTIVE) for r in rows]


def account_of(membership: Membership) -> Account | None:
    """The membership's account, if it has one yet (reading never creates it)."""
    return db.session.scalar(select(Account).where(Account.membership_id == membership.id))


# -- Exchange rows ------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    account_id: int
    membership_id: int | None
    user_id: int | None
    number: int | None
    name: str | None  # None for the community pot
    balance: int
    credit_limit: int
    upper_limit: int | None

    @property
    def is_pot(self) -> bool:
        return self.membership_id is None


@dataclass(frozen=True)
class ExchangeRow:
    id: int
    kind: str
    status: str
    minutes: int
    service_date: date
    category: str
    created_at: datetime
    recorded_by_id: int
    on_behalf_of_id: int | None
    reverses_exchange_id: int | None
    group_id: int | None
    provider: Party
    recipient: Party

    def provider_after(self) -> int:
        return self.provider.balance + self.minutes

    def recipient_after(self) -> int:
        return self.recipient.balance - self.minutes

    def within_limits(self) -> bool:
        p, r = self.provider, self.recipient
        return rules.within_limits(
            p.balance, self.minutes, p.credit_limit, p.upper_limit
        ) and rules.within_limits(r.balance, -self.minutes, r.credit_limit, r.upper_limit)

    def party_user_ids(self) -> set[int]:
        return {u for u in (self.provider.user_id, self.recipient.user_id) if u is not None}

    def counterpart(self, account_id: int) -> Party:
        return self.recipient if self.provider.account_id == account_id else self.provider

    def gave(self, account_id: int) -> bool:
        return self.provider.account_id == account_id


_PA, _RA = aliased(Account), aliased(Account)
_PM, _RM = aliased(Membership), aliased(Membership)
_PU, _RU = aliased(User), aliased(User)


def _rows_query():
    return (
        select(
            Exchange,
            _PA,
            _RA,
            _PM.id,
            _PM.member_number,
            _PU.id,
            _PU.display_name,
            _RM.id,
            _RM.member_number,
            _RU.id,
            _RU.display_name,
        )  # fmt: skip
        .join(_PA, _PA.id == Exchange.provider_account_id)
        .join(_RA, _RA.id == Exchange.recipient_account_id)
        .outerjoin(_PM, _PM.id == _PA.membership_id)
        .outerjoin(_PU, _PU.id == _PM.user_id)
        .outerjoin(_RM, _RM.id == _RA.membership_id)
        .outerjoin(_RU, _RU.id == _RM.user_id)
    )


def _party(account: Account, membership_id, number, user_id, name) -> Party:
    return Party(
        account.id, membership_id, user_id, number, name,
        account.balance, account.credit_limit, account.upper_limit,
    )  # fmt: skip


def _to_row(result) -> ExchangeRow:
    e, pa, ra, pm_id, pm_no, pu_id, pu_name, rm_id, rm_no, ru_id, ru_name = result
    return ExchangeRow(
        e.id, e.kind.value, e.status.value, e.minutes, e.service_date, e.category,
        e.created_at, e.recorded_by_id, e.on_behalf_of_id, e.reverses_exchange_id, e.group_id,
        _party(pa, pm_id, pm_no, pu_id, pu_name), _party(ra, rm_id, rm_no, ru_id, ru_name),
    )  # fmt: skip


@dataclass
class Page:
    """What the ``pagination`` macro needs, for pages built from multi-column selects."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _paginate(query, count_query, page: int, per_page: int, convert) -> Page:
    total = db.session.scalar(count_query) or 0
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page([convert(r) for r in rows], page, per_page, total)


def exchange_row(exchange_id: int) -> ExchangeRow | None:
    result = db.session.execute(_rows_query().where(Exchange.id == exchange_id)).first()
    return _to_row(result) if result is not None else None


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
    total = db.session.scalar(select(func.count()).select_from(Exchange).where(pending))
    rows = db.session.execute(
        _rows_query().where(pending).order_by(Exchange.id.desc()).limit(limit)
    )
    hours = MyHours(account.balance, account.credit_limit, account.upper_limit, pending_total=total)
    for row in map(_to_row, rows):
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
    community: Community, filters: QueueFilters, *, page: int = 1, per_page: int = 25
) -> Page:
    """Pending exchanges of ``community``, oldest first, with both parties' balances."""
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
    query = _rows_query().where(*conditions).order_by(Exchange.id)
    count = select(func.count()).select_from(Exchange).where(*conditions)
    return _paginate(query, count, page, per_page, _to_row)


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


_OTHER = aliased(Entry)
_CA, _CM, _CU = aliased(Account), aliased(Membership), aliased(User)


def _statement_query(account_id: int):
    return (
        select(
            Entry.id,
            Entry.created_at,
            Entry.delta,
            Entry.balance_after,
            Exchange.id,
            Exchange.kind,
            Exchange.service_date,
            Exchange.category,
            Exchange.reverses_exchange_id,
            _CM.member_number,
            _CU.display_name,
            ExchangeText.body,
        )  # fmt: skip
        .join(Exchange, Exchange.id == Entry.exchange_id)
        .join(
            _OTHER, and_(_OTHER.exchange_id == Entry.exchange_id, _OTHER.account_id != account_id)
        )
        .join(_CA, _CA.id == _OTHER.account_id)
        .outerjoin(_CM, _CM.id == _CA.membership_id)
        .outerjoin(_CU, _CU.id == _CM.user_id)
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
    """Every posted movement of ``account``, newest first, with its running balance."""
    count = select(func.count()).select_from(Entry).where(Entry.account_id == account.id)
    query = _statement_query(account.id).order_by(Entry.id.desc())
    return _paginate(query, count, page, per_page, _line)


def statement_count(account: Account) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Entry).where(Entry.account_id == account.id)
    )


def statement_lines(account_id: int, *, batch: int = 1000) -> Iterator[StatementLine]:
    """The whole statement of an account, oldest first, streamed in batches."""
    query = _statement_query(account_id).order_by(Entry.id).execution_options(yield_per=batch)
    for row in db.session.execute(query):
        yield _line(row)


# -- One exchange -------------------------------------------------------------------------


@dataclass
class ExchangeDetail:
    row: ExchangeRow
    names: dict[int, str]
    texts: dict[str, str]
    confirmed_by_id: int | None
    confirmed_at: datetime | None
    decided_by_id: int | None
    decided_at: datetime | None
    reversed_by_id: int | None  # the reversal exchange that undid this one
    group_size: int


def exchange_detail(exchange: Exchange) -> ExchangeDetail:
    """Everything the detail page shows, in a handful of queries."""
    row = exchange_row(exchange.id)
    assert row is not None
    user_ids = {
        exchange.recorded_by_id, exchange.on_behalf_of_id,
        exchange.confirmed_by_id, exchange.decided_by_id,
    } - {None}  # fmt: skip
    names = dict(
        db.session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all()
    )
    texts = {
        kind.value: body
        for kind, body in db.session.execute(
            select(ExchangeText.kind, ExchangeText.body).where(
                ExchangeText.exchange_id == exchange.id
            )
        ).all()
    }
    reversed_by = db.session.scalar(
        select(Exchange.id).where(Exchange.reverses_exchange_id == exchange.id)
    )
    group_size = 1
    if exchange.group_id is not None:
        group_size = db.session.scalar(
            select(func.count()).select_from(Exchange).where(Exchange.group_id == exchange.group_id)
        )
    return ExchangeDetail(
        row, names, texts, exchange.confirmed_by_id, exchange.confirmed_at,
        exchange.decided_by_id, exchange.decided_at, reversed_by, group_size,
    )  # fmt: skip


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


# -- Previews -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """What saving would do: balances before and after, and where the exchange goes next
    (``confirm``: the other member is asked; ``approval``: a coordinator; ``posted``)."""

    provider_before: int
    recipient_before: int
    minutes: int
    outcome: str

    @property
    def provider_after(self) -> int:
        return self.provider_before + self.minutes

    @property
    def recipient_after(self) -> int:
        return self.recipient_before - self.minutes


def preview_exchange(
    community: Community,
    provider: Membership,
    recipient: Membership,
    minutes: int,
    category: str,
    *,
    on_behalf: bool,
) -> Preview:
    """Read-only forecast of ``exchanges.record`` under the community's policy (the
    service decides again when saving; balances may have moved by then)."""
    accounts = {
        a.membership_id: a
        for a in db.session.scalars(
            select(Account).where(Account.membership_id.in_([provider.id, recipient.id]))
        )
    }

    def figures(membership: Membership) -> tuple[int, int, int | None]:
        account = accounts.get(membership.id)
        if account is None:
            return 0, community.default_credit_limit, community.default_upper_limit
        return account.balance, account.credit_limit, account.upper_limit

    p_balance, p_credit, p_upper = figures(provider)
    r_balance, r_credit, r_upper = figures(recipient)
    breaks = not (
        rules.within_limits(p_balance, minutes, p_credit, p_upper)
        and rules.within_limits(r_balance, -minutes, r_credit, r_upper)
    )
    if community.require_confirmation and not on_behalf:
        outcome = "confirm"
    elif rules.needs_approval(
        community.approval_rule,
        minutes=minutes,
        above_minutes=community.approval_above_minutes,
        category=category,
        breaks_limit=breaks,
    ):
        outcome = "approval"
    else:
        outcome = "posted"
    return Preview(p_balance, r_balance, minutes, outcome)


@dataclass(frozen=True)
class Actions:
    """What the current reader may do with one exchange (buttons on the pages)."""

    confirm: bool = False
    reject: bool = False
    cancel: bool = False
    approve: bool = False
    reverse: bool = False
    party_coordinator: bool = False  # a coordinator who took part: another must decide


def actions_for(user: User, community: Community, row: ExchangeRow) -> Actions:
    from timebank.services import permissions

    parties = row.party_user_ids()
    pending = row.status in {s.value for s in PENDING_STATUSES}
    recorded = row.status == ExchangeStatus.RECORDED
    other_party = recorded and user.id in parties and user.id != row.recorded_by_id
    decider = permissions.can_decide_as_coordinator(user, community, parties)
    return Actions(
        confirm=other_party,
        reject=other_party or (pending and decider),
        cancel=pending and user.id == row.recorded_by_id,
        approve=row.status == ExchangeStatus.AWAITING_APPROVAL and decider,
        reverse=row.status == ExchangeStatus.POSTED and row.kind != "reversal" and decider,
        party_coordinator=user.id in parties and permissions.can_act_for_members(user, community),
    )
