"""Community settings for metrics and reports (coordinators)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from timebank.models import Community, User
from timebank.services import audit, permissions
from timebank.services.exceptions import InvalidInput, NotAllowed


def update(
    community: Community,
    *,
    actor: User,
    members_see_metrics: bool,
    value_per_hour: int | None,
    currency: str | None,
) -> Community:
    """Switch the members' dashboard on or off and set the value of an hour (whole currency
    units, with a three-letter currency) for estimated social value. Raises
    ``NotAllowed`` or ``InvalidInput``. Audit: ``community.metrics_settings``."""
    if not permissions.can_produce_reports(actor, community):
        raise NotAllowed()
    currency = (currency or "").strip().upper() or None
    if value_per_hour is not None and not 0 <= value_per_hour <= 1_000_000:
        raise InvalidInput(_l("Enter a value between 0 and 1,000,000."), field="value_per_hour")
    if value_per_hour is not None and (
        currency is None or len(currency) != 3 or not currency.isascii() or not currency.isalpha()
    ):
        raise InvalidInput(
            _l("Use a three-letter code such as EUR or JOD."), field="value_currency"
        )
    community.members_see_metrics = bool(members_see_metrics)
    community.value_per_hour_cents = None if value_per_hour is None else value_per_hour * 100
    community.value_currency = currency if value_per_hour is not None else None
    audit.record(
        "community.metrics_settings",
        actor=actor,
        community_id=community.id,
        obj=community,
        details={
            "members_see_metrics": community.members_see_metrics,
            "value_per_hour_cents": community.value_per_hour_cents,
        },
    )
    return community
