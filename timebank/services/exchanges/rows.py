"""Exchanges as the pages show them: one joined ``select()`` gives each exchange with both
parties' names, numbers and current balances (plain dataclasses, so templates never
lazy-load); plus one exchange's details, a preview of recording one, and what the reader
may do with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from timebank.extensions import db
from timebank.models import (
    Account,
    Community,
    Exchange,
    ExchangeText,
    Membership,
    User,
)
from timebank.services import permissions
from timebank.services.exchanges import policy
from timebank.services.ledger import rules

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
    # Which approval conditions sent it to the queue (ApprovalCondition values).
    approval_reasons: tuple[str, ...] = ()

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


def rows_query():
    # Aliased per call, not at import: the first alias configures every mapper.
    giver, receiver = aliased(Account), aliased(Account)
    giver_m, receiver_m = aliased(Membership), aliased(Membership)
    giver_u, receiver_u = aliased(User), aliased(User)
    return (
        select(
            Exchange,
            giver,
            receiver,
            giver_m.id,
            giver_m.member_number,
            giver_u.id,
            giver_u.display_name,
            receiver_m.id,
            receiver_m.member_number,
            receiver_u.id,
            receiver_u.display_name,
        )  # fmt: skip
        .join(giver, giver.id == Exchange.provider_account_id)
        .join(receiver, receiver.id == Exchange.recipient_account_id)
        .outerjoin(giver_m, giver_m.id == giver.membership_id)
        .outerjoin(giver_u, giver_u.id == giver_m.user_id)
        .outerjoin(receiver_m, receiver_m.id == receiver.membership_id)
        .outerjoin(receiver_u, receiver_u.id == receiver_m.user_id)
    )


def _party(account: Account, membership_id, number, user_id, name) -> Party:
    return Party(
        account.id, membership_id, user_id, number, name,
        account.balance, account.credit_limit, account.upper_limit,
    )  # fmt: skip


def to_row(result) -> ExchangeRow:
    e, pa, ra, pm_id, pm_no, pu_id, pu_name, rm_id, rm_no, ru_id, ru_name = result
    return ExchangeRow(
        e.id, e.kind.value, e.status.value, e.minutes, e.service_date, e.category,
        e.created_at, e.recorded_by_id, e.on_behalf_of_id, e.reverses_exchange_id, e.group_id,
        _party(pa, pm_id, pm_no, pu_id, pu_name), _party(ra, rm_id, rm_no, ru_id, ru_name),
        tuple(w for w in (e.approval_reasons or "").split(",") if w),
    )  # fmt: skip


def exchange_row(exchange_id: int) -> ExchangeRow | None:
    result = db.session.execute(rows_query().where(Exchange.id == exchange_id)).first()
    return to_row(result) if result is not None else None


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
        group_size = (
            db.session.scalar(
                select(func.count())
                .select_from(Exchange)
                .where(Exchange.group_id == exchange.group_id)
            )
            or 1
        )
    return ExchangeDetail(
        row, names, texts, exchange.confirmed_by_id, exchange.confirmed_at,
        exchange.decided_by_id, exchange.decided_at, reversed_by, group_size,
    )  # fmt: skip


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
    elif policy.approval_reasons(
        community,
        minutes=minutes,
        category=category,
        breaks_limit=breaks,
        account_ids=[a.id for a in accounts.values()],
        on_behalf=on_behalf,
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
    confirm_as_coordinator: bool = False
    reverse: bool = False
    party_coordinator: bool = False  # a coordinator who took part: another must decide


def actions_for(user: User, community: Community, exchange: Exchange, row: ExchangeRow) -> Actions:
    """The buttons for ``user``, from the predicates in ``services.permissions``."""
    return Actions(
        confirm=permissions.can_confirm(user, exchange),
        reject=permissions.can_reject(user, exchange),
        cancel=permissions.can_cancel(user, exchange),
        approve=permissions.can_approve(user, exchange),
        confirm_as_coordinator=permissions.can_confirm_as_coordinator(user, exchange),
        reverse=permissions.can_reverse(user, exchange),
        party_coordinator=user.id in row.party_user_ids()
        and permissions.can_act_for_members(user, community),
    )
