"""Limits and the community's exchange policy, edited by coordinators; every change is
audited with its figures (free-text reasons live in erasable columns, not the audit)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from timebank.extensions import db
from timebank.models import (
    MINUTES_CAP,
    Account,
    AccountKind,
    ApprovalCondition,
    Community,
    Exchange,
    ExchangeKind,
    ExchangeStatus,
    User,
)
from timebank.services import audit, permissions
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.exchanges import limit_notices
from timebank.services.ledger import posting as ledger
from timebank.services.ledger import rules
from timebank.services.ledger.checks import check_category, check_reason


def _limit(value: object, field: str, *, nullable: bool) -> int | None:
    if value is None and nullable:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10 * MINUTES_CAP:
        raise InvalidInput(_l("Enter a whole number of minutes, 0 or more."), field=field)
    return value


def set_limits(
    account: Account,
    *,
    actor: User,
    credit_limit: int,
    upper_limit: int | None,
    reason: str,
) -> Account:
    """A coordinator overrides one account's limits (a member's or the pot's), with a
    reason. Not their own account. Any limit of 0 or more is allowed, even one the balance
    is already past: the debt stays, only new debits (or new credits past an upper limit)
    are refused until the balance is back within it, and the member is told (in-app
    notification ``limit_changed``). Later changes to the community defaults skip this
    account. Raises ``NotAllowed`` or ``InvalidInput``. Audit: ``account.limits``."""
    community = db.session.get_one(Community, account.community_id)
    owner = ledger.account_membership(account)
    if not permissions.can_act_for_members(actor, community):
        raise NotAllowed()
    if owner is not None and owner.user_id == actor.id:
        raise NotAllowed(_l("Another coordinator must change your own limits."))
    credit_limit = _limit(credit_limit, "credit_limit", nullable=False)  # type: ignore[assignment]
    upper_limit = _limit(upper_limit, "upper_limit", nullable=True)
    reason = check_reason(reason)
    locked = ledger.lock_accounts([account.id])[account.id]
    before = [locked.credit_limit, locked.upper_limit]
    locked.credit_limit = credit_limit
    locked.upper_limit = upper_limit
    locked.limits_overridden = True
    locked.limit_reason = reason
    db.session.flush()
    audit.record(
        "account.limits",
        actor=actor,
        community_id=community.id,
        obj=locked,
        details={
            "from": before,
            "to": [credit_limit, upper_limit],
            "balance": locked.balance,
            "past_limit": not limit_notices.within(locked),
        },
    )
    if owner is not None and before != [credit_limit, upper_limit]:
        limit_notices.limit_changed(owner, locked, community)
    return locked


UNSET: Any = object()


def _conditions(values: object) -> str:
    known = {c.value for c in ApprovalCondition}
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise InvalidInput(_l("Choose when approval is needed."), field="approval_conditions")
    values = list(values)
    if any(not isinstance(v, str) or v not in known for v in values):
        raise InvalidInput(_l("Choose when approval is needed."), field="approval_conditions")
    return rules.format_conditions(values)


def _categories(values: object) -> str:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise InvalidInput(_l("Choose a category."), field="approval_categories")
    keys = sorted({check_category(v) for v in values})
    if any("," in k for k in keys):
        raise InvalidInput(_l("Choose a category."), field="approval_categories")
    text = ",".join(keys)
    if len(text) > 400:
        raise InvalidInput(_l("Choose fewer categories."), field="approval_categories")
    return text


def approval_policy(community: Community) -> rules.ApprovalPolicy:
    """The community's approval policy as the pure rules take it."""
    return rules.ApprovalPolicy(
        conditions=rules.parse_conditions(community.approval_conditions),
        above_minutes=community.approval_above_minutes,
        categories=rules.parse_categories(community.approval_categories),
        first_exchanges=community.approval_first_exchanges,
    )


def prior_exchanges(account_ids: Iterable[int]) -> int:
    """The fewest posted (or since reversed) exchanges any of these accounts took part in:
    the ``first_exchanges`` condition. One query."""
    ids = list(account_ids)
    counts = dict.fromkeys(ids, 0)
    for side in (Exchange.provider_account_id, Exchange.recipient_account_id):
        rows = db.session.execute(
            select(side, func.count())
            .where(
                side.in_(ids),
                Exchange.kind.in_([ExchangeKind.EXCHANGE, ExchangeKind.GROUP]),
                Exchange.status.in_([ExchangeStatus.POSTED, ExchangeStatus.REVERSED]),
            )
            .group_by(side)
        )
        for account_id, count in rows:
            counts[account_id] += count
    return min(counts.values()) if counts else 0


def approval_reasons(
    community: Community,
    *,
    minutes: int,
    category: str,
    breaks_limit: bool,
    account_ids: Iterable[int],
    on_behalf: bool,
) -> tuple[ApprovalCondition, ...]:
    """Which of the community's conditions send this agreed exchange to approval (the
    count of prior exchanges is only queried when the policy has that condition)."""
    policy = approval_policy(community)
    prior = 10**6
    if ApprovalCondition.FIRST_EXCHANGES in policy.conditions:
        prior = prior_exchanges(account_ids)
    facts = rules.ExchangeFacts(
        minutes=minutes,
        category=category,
        breaks_limit=breaks_limit,
        prior_exchanges=prior,
        on_behalf=on_behalf,
    )
    return rules.approval_reasons(policy, facts)


def update_policy(
    community: Community,
    *,
    actor: User,
    require_confirmation: bool = UNSET,
    approval_conditions: Iterable[str] = UNSET,
    approval_categories: Iterable[str] = UNSET,
    approval_first_exchanges: int = UNSET,
    approval_above_minutes: int = UNSET,
    default_credit_limit: int = UNSET,
    default_upper_limit: int | None = UNSET,
    max_minutes_per_exchange: int = UNSET,
    pending_expiry_days: int = UNSET,
) -> Community:
    """Coordinators and admins edit the exchange policy; only the given settings change.
    ``approval_conditions``: any of them sends an agreed exchange to approval (values of
    ``ApprovalCondition``; empty: agreed exchanges post at once).
    New default limits apply to member accounts without an override, even where a balance
    is already past them (only new movements towards the limit are paused). Raises ``NotAllowed``
    or ``InvalidInput``. One audit event: ``community.policy`` with old and new figures."""
    if not permissions.can_act_for_members(actor, community):
        raise NotAllowed()
    changes: dict[str, Any] = {}
    if require_confirmation is not UNSET:
        if not isinstance(require_confirmation, bool):
            raise InvalidInput(field="require_confirmation")
        changes["require_confirmation"] = require_confirmation
    if approval_conditions is not UNSET:
        changes["approval_conditions"] = _conditions(approval_conditions)
    if approval_categories is not UNSET:
        changes["approval_categories"] = _categories(approval_categories)
    for name, value, low, high in (
        ("approval_above_minutes", approval_above_minutes, 1, MINUTES_CAP),
        ("approval_first_exchanges", approval_first_exchanges, 1, 100),
        ("max_minutes_per_exchange", max_minutes_per_exchange, 1, MINUTES_CAP),
        ("pending_expiry_days", pending_expiry_days, 1, 3650),
        ("default_credit_limit", default_credit_limit, 0, 10 * MINUTES_CAP),
    ):
        if value is UNSET:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise InvalidInput(
                _l("Enter a whole number from %(low)d to %(high)d.", low=low, high=high),
                field=name,
            )
        changes[name] = value
    if default_upper_limit is not UNSET:
        changes["default_upper_limit"] = _limit(
            default_upper_limit, "default_upper_limit", nullable=True
        )
    changes = {k: v for k, v in changes.items() if getattr(community, k) != v}
    if not changes:
        return community
    if "default_credit_limit" in changes or "default_upper_limit" in changes:
        _apply_default_limits(
            community,
            changes.get("default_credit_limit", community.default_credit_limit),
            changes.get("default_upper_limit", community.default_upper_limit),
        )
    before = {k: getattr(community, k) for k in changes}
    for key, value in changes.items():
        setattr(community, key, value)
    db.session.flush()
    audit.record(
        "community.policy",
        actor=actor,
        community_id=community.id,
        obj=community,
        details={k: [before[k], changes[k]] for k in changes},
    )
    return community


def _apply_default_limits(community: Community, credit: int, upper: int | None) -> None:
    ids = db.session.scalars(
        select(Account.id).where(
            Account.community_id == community.id,
            Account.kind == AccountKind.MEMBER,
            Account.limits_overridden.is_(False),
        )
    ).all()
    accounts = ledger.lock_accounts(ids)
    for account in accounts.values():
        account.credit_limit = credit
        account.upper_limit = upper
    db.session.flush()
