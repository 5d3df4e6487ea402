"""Posting to the ledger: accounts, locks, limit checks, status compare-and-set, entries.

The concurrency recipe of DESIGN.md §4, in one place:

1. lock the accounts involved with ``SELECT … FOR UPDATE`` in ascending id order (PostgreSQL;
   SQLite serialises writers with ``BEGIN IMMEDIATE``), re-reading their balances;
2. check the limits on the locked balances and raise ``LimitExceeded`` *before* writing
   anything, so a refused posting leaves the session clean;
3. change the exchange status with a compare-and-set (``UPDATE … WHERE id = :id AND
   status = :expected``, rowcount 1) so it posts at most once;
4. update balances relatively (``balance = balance + :delta``), still behind the database
   CHECKs, and append one entry per account with the balance after it.

Functions here flush, never commit; the caller runs them inside ``database.transaction``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Table, bindparam, case, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from timebank.extensions import db
from timebank.models import (
    Account,
    AccountKind,
    Community,
    Entry,
    Exchange,
    ExchangeStatus,
    Membership,
    MembershipStatus,
    utcnow,
)
from timebank.services import languages, metrics_stamps
from timebank.services.exceptions import AlreadyDecided, InvalidInput, LimitExceeded
from timebank.services.ledger import rules
from timebank.services.prepared import Prepared, insert_of

# (account, signed delta in minutes); the account is an ``Account`` or a locked row with
# the same attributes (id, balance, credit_limit, upper_limit).
Movement = tuple[Any, int]


# -- Accounts -------------------------------------------------------------------------


def _create_once(account: Account, lookup) -> Account:
    """Insert ``account`` unless a concurrent transaction already did; return the winner."""
    try:
        with db.session.begin_nested():
            db.session.add(account)
            db.session.flush()
    except IntegrityError:
        existing = db.session.scalar(lookup)
        if existing is None:
            raise
        return existing
    return account


def ensure_account(membership: Membership) -> Account:
    """The membership's account, created with the community's default limits if missing."""
    lookup = select(Account).where(Account.membership_id == membership.id)
    account = db.session.scalar(lookup)
    if account is not None:
        return account
    community = membership.community
    return _create_once(
        Account(
            community_id=community.id,
            membership_id=membership.id,
            kind=AccountKind.MEMBER,
            balance=0,
            credit_limit=community.default_credit_limit,
            upper_limit=community.default_upper_limit,
        ),
        lookup,
    )


def ensure_pot(community: Community) -> Account:
    """The community pot (credit limit 0: it grants only what was donated), created once."""
    lookup = select(Account).where(
        Account.community_id == community.id, Account.kind == AccountKind.POT
    )
    account = db.session.scalar(lookup)
    if account is not None:
        return account
    return _create_once(
        Account(community_id=community.id, kind=AccountKind.POT, balance=0, credit_limit=0),
        lookup,
    )


def ensure_accounts(community: Community) -> int:
    """Create the pot and an account for every active membership; returns how many new."""
    before = db.session.scalar(
        select(db.func.count()).select_from(Account).where(Account.community_id == community.id)
    )
    ensure_pot(community)
    active = db.session.scalars(
        select(Membership).where(
            Membership.community_id == community.id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    ).all()
    for membership in active:
        ensure_account(membership)
    after = db.session.scalar(
        select(db.func.count()).select_from(Account).where(Account.community_id == community.id)
    )
    return (after or 0) - (before or 0)


def account_membership(account: Account) -> Membership | None:
    if account.membership_id is None:
        return None
    return db.session.get_one(Membership, account.membership_id)


def account_user_id(account_id: int) -> int | None:
    """The user behind an account (None for the pot). Uses the identity map when it can."""
    account = db.session.get(Account, account_id)
    membership = account_membership(account) if account else None
    return membership.user_id if membership else None


# -- Posting --------------------------------------------------------------------------


def lock_accounts(ids: Iterable[int]) -> dict[int, Account]:
    """Lock the accounts in ascending id order and re-read their balances."""
    rows = db.session.scalars(_LOCK, {"ids": sorted(set(ids))}).all()
    return {account.id: account for account in rows}


def lock_balances(ids: Iterable[int]) -> dict[int, Any]:
    """Like ``lock_accounts`` for the posting path: locked rows (id, balance, limits), read
    without building ORM objects."""
    ids = sorted(set(ids))
    connection = db.session.connection()
    rows: Any
    if len(ids) == 2:  # an exchange's two accounts: the hot path
        rows = _LOCK_PAIR.all(connection, {"first": ids[0], "second": ids[1]})
    else:
        rows = connection.execute(_LOCK_BALANCES, {"ids": ids}).all()
    return {row.id: row for row in rows}


def check_limits(movements: Sequence[Movement]) -> None:
    """Raise ``LimitExceeded`` (with a member-readable message) if any movement would take
    its account past ``-credit_limit`` or above ``upper_limit``."""
    for account, delta in movements:
        if rules.within_limits(account.balance, delta, account.credit_limit, account.upper_limit):
            continue
        if delta < 0:
            error = LimitExceeded(
                _l(
                    "This would take a balance to %(after)s, below its limit of "
                    "%(limit)s. Nothing was changed.",
                    after=languages.duration(account.balance + delta),
                    limit=languages.duration(-account.credit_limit),
                ),
                field="minutes",
            )
        else:
            error = LimitExceeded(
                _l(
                    "This would take a balance to %(after)s, above its limit of %(limit)s. "
                    "Nothing was changed.",
                    after=languages.duration(account.balance + delta),
                    limit=languages.duration(account.upper_limit or 0),
                ),
                field="minutes",
            )
        error.account_id = account.id  # so a page can name the member and link their limits
        raise error


def breaks_limits(movements: Sequence[Movement]) -> bool:
    return any(
        not rules.within_limits(a.balance, d, a.credit_limit, a.upper_limit) for a, d in movements
    )


def movements_for(exchange: Any, accounts: dict[int, Any]) -> list[Movement]:
    """Provider credited, recipient debited."""
    return [
        (accounts[exchange.provider_account_id], exchange.minutes),
        (accounts[exchange.recipient_account_id], -exchange.minutes),
    ]


# Statements built once (Core, bound parameters): the posting path is the hot path.
_ACCOUNTS = cast(Table, Account.__table__)
_EXCHANGES = cast(Table, Exchange.__table__)
_ENTRIES = cast(Table, Entry.__table__)
_DAY = bindparam("day", type_=Date())
_LAST = _ACCOUNTS.c.last_exchange_on
# The balance moves, and the account's last exchange date (a read model, see
# ``activity.py``) becomes the later of itself and this exchange's service date.
_MOVE = Prepared(
    update(_ACCOUNTS)
    .where(_ACCOUNTS.c.id == bindparam("account_id", type_=_ACCOUNTS.c.id.type))
    .values(
        balance=_ACCOUNTS.c.balance + bindparam("delta", type_=_ACCOUNTS.c.balance.type),
        last_exchange_on=case((or_(_LAST.is_(None), _LAST < _DAY), _DAY), else_=_LAST),
    )
    .returning(_ACCOUNTS.c.balance)
)
_ENTRY_COLUMNS = ("exchange_id", "account_id", "delta", "balance_after", "created_at",
                  "service_date")  # fmt: skip
_INSERT_ENTRIES = insert_of(Entry, _ENTRY_COLUMNS)
_BALANCES = (_ACCOUNTS.c.id, _ACCOUNTS.c.balance, _ACCOUNTS.c.credit_limit,
             _ACCOUNTS.c.upper_limit)  # fmt: skip
_LOCK_BALANCES = (
    select(*_BALANCES)
    .where(_ACCOUNTS.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(_ACCOUNTS.c.id)
    .with_for_update()
)
_LOCK_PAIR = Prepared(
    select(*_BALANCES)
    .where(
        _ACCOUNTS.c.id.in_(
            [bindparam(name, type_=_ACCOUNTS.c.id.type) for name in ("first", "second")]
        )
    )
    .order_by(_ACCOUNTS.c.id)
    .with_for_update()
)
_LOCK = (
    select(Account)
    .where(Account.id.in_(bindparam("ids", expanding=True)))
    .order_by(Account.id)
    .with_for_update()
    .execution_options(populate_existing=True)
)


@lru_cache(maxsize=32)
def _cas_statement(keys: tuple[str, ...]) -> Prepared:
    return Prepared(
        update(_EXCHANGES)
        .where(
            _EXCHANGES.c.id == bindparam("_id"),
            _EXCHANGES.c.status == bindparam("_expected", type_=_EXCHANGES.c.status.type),
        )
        .values({key: bindparam(key, type_=_EXCHANGES.c[key].type) for key in keys})
    )


def apply_movements(
    exchange_id: int, movements: Sequence[Movement], *, now: datetime, service_date: date
) -> None:
    """Relative balance updates (id order) and one entry per account, dated
    ``service_date`` (the exchange's: statements read in that order); each account's last
    exchange date follows it. A CHECK violation here means a limit changed
    under us: it becomes ``LimitExceeded`` (the caller rolls back)."""
    rows = []
    # Core statements on the session's connection: the posting path is the hot path, and
    # nothing here needs the ORM's unit of work (DESIGN.md §10).
    connection = db.session.connection()
    try:
        for account, delta in sorted(movements, key=lambda m: m[0].id):
            (after,) = _MOVE.all(
                connection, {"account_id": account.id, "delta": delta, "day": service_date}
            )[0]
            if isinstance(account, Account):
                set_committed_value(account, "balance", after)
                last = account.last_exchange_on
                set_committed_value(account, "last_exchange_on", max(last or service_date,
                                                                     service_date))  # fmt: skip
            rows.append(
                {
                    "exchange_id": exchange_id,
                    "account_id": account.id,
                    "delta": delta,
                    "balance_after": after,
                    "created_at": now,
                    "service_date": service_date,
                }
            )
        _INSERT_ENTRIES.many(connection, rows)
        metrics_stamps.touch(exchange_id)  # cached metrics of the community go stale
    except IntegrityError as exc:
        if "balance" in str(exc.orig).lower():
            raise LimitExceeded() from exc
        raise


def compare_and_set(
    exchange: Any,
    event: rules.Event,
    *,
    values: dict | None = None,
    expected: ExchangeStatus | None = None,
) -> dict[str, Any]:
    """Move ``exchange`` (an ``Exchange``, or a row with its ``id`` and ``status``) along
    the transition table with ``UPDATE … WHERE status = :expected``. Raises
    ``AlreadyDecided`` when someone else changed it first or the table forbids the event.
    Updates an ``Exchange`` in memory without marking it dirty; returns the columns set."""
    expected = expected or exchange.status
    try:
        target = rules.next_status(expected, event)
    except rules.IllegalTransition:
        raise AlreadyDecided() from None
    values = {"status": target, **(values or {})}
    changed = _cas_statement(tuple(sorted(values))).run(
        db.session.connection(), {"_id": exchange.id, "_expected": expected, **values}
    )
    if changed != 1:
        raise AlreadyDecided()
    if isinstance(exchange, Exchange):
        for key, value in values.items():
            set_committed_value(exchange, key, value)
    return values


def post(exchange: Any, event: rules.Event, *, values: dict, now: datetime) -> dict[str, Any]:
    """Post a pending exchange (an ``Exchange``, or a row with its columns): lock, check
    limits, compare-and-set, two legs. Returns the exchange's columns set."""
    accounts = lock_balances([exchange.provider_account_id, exchange.recipient_account_id])
    movements = movements_for(exchange, accounts)
    check_limits(movements)
    changed = compare_and_set(exchange, event, values=values)
    apply_movements(exchange.id, movements, now=now, service_date=exchange.service_date)
    return changed


def post_new(exchanges: Sequence[Exchange], *, now: datetime | None = None) -> None:
    """Insert brand-new exchanges already in status ``posted`` and write their legs, all or
    nothing: every account is locked (id order) and every limit checked before any write."""
    now = now or utcnow()
    ids = {e.provider_account_id for e in exchanges} | {e.recipient_account_id for e in exchanges}
    accounts = lock_balances(ids)
    net: dict[int, int] = {}
    for exchange in exchanges:
        for account, delta in movements_for(exchange, accounts):
            net[account.id] = net.get(account.id, 0) + delta
    check_limits([(accounts[i], d) for i, d in net.items() if d])
    for exchange in exchanges:
        if exchange.status != ExchangeStatus.POSTED:
            raise InvalidInput()  # programming error guard: only posted exchanges here
        db.session.add(exchange)
    db.session.flush()
    for exchange in exchanges:
        apply_movements(
            exchange.id,
            movements_for(exchange, accounts),
            now=now,
            service_date=exchange.service_date,
        )


def balance_at(account_id: int, moment: datetime) -> int:
    """The balance an account had at ``moment``, derived from its entries (promise 15)."""
    total = db.session.scalar(
        select(db.func.coalesce(db.func.sum(Entry.delta), 0)).where(
            Entry.account_id == account_id, Entry.created_at <= moment
        )
    )
    return int(total or 0)
