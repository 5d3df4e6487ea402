"""What a member is told about their limits: the sentence shown on their pages when a
coordinator lowered a limit past their balance, and the in-app notification of a change."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from timebank.models import Account, Community, Membership
from timebank.services import languages
from timebank.services.ledger import rules
from timebank.services.messaging import notifications


def within(account: Account) -> bool:
    """The balance is within both limits (no movement is paused)."""
    return not rules.below_limit(account.balance, account.credit_limit) and (
        account.upper_limit is None or account.balance <= account.upper_limit
    )


def paused_message(balance: int, credit_limit: int, upper_limit: int | None) -> str | None:
    """The sentence for a member whose balance is past a lowered limit, else None."""
    if rules.below_limit(balance, credit_limit):
        return str(
            _l(
                "Your limit is lower than your balance: new debits are paused until your "
                "balance is back to %(limit)s or more. Hours you give are still credited. "
                "Your balance is %(balance)s.",
                limit=languages.duration(-credit_limit),
                balance=languages.duration(balance),
            )
        )
    if upper_limit is not None and balance > upper_limit:
        return str(
            _l(
                "Your upper limit is lower than your balance: new credits are paused until "
                "your balance is back to %(limit)s or less. Your balance is %(balance)s.",
                limit=languages.duration(upper_limit),
                balance=languages.duration(balance),
            )
        )
    return None


def limit_changed(owner: Membership, account: Account, community: Community) -> None:
    """Tell the member (in-app, and by e-mail if they keep it on) their new limits."""
    user = owner.user
    with force_locale(user.locale or community.locale):
        if account.upper_limit is None:
            body = str(
                _l(
                    "A coordinator set your limit: you may go down to %(credit)s.",
                    credit=languages.duration(-account.credit_limit),
                )
            )
        else:
            body = str(
                _l(
                    "A coordinator set your limits: you may go down to %(credit)s and up "
                    "to %(upper)s.",
                    credit=languages.duration(-account.credit_limit),
                    upper=languages.duration(account.upper_limit),
                )
            )
        paused = paused_message(account.balance, account.credit_limit, account.upper_limit)
        if paused:
            body = f"{body} {paused}"
    notifications.notify(user, "limit_changed", community=community, body=body)
