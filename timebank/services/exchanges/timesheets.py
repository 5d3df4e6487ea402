"""Paper timesheets: a coordinator types a stack of paper slips as rows, previews them
(names looked up, problems and suspected duplicates shown) and posts the batch — all or
nothing, each row recorded for its members and then following the approval policy."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from timebank.models import Community, Exchange, ExchangeStatus, User, utcnow
from timebank.services import audit, permissions
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.exchanges import slips
from timebank.services.ledger.checks import check_key

FIELDS = ("provider", "recipient", "date", "duration", "category", "note")


def filled(rows: list[dict]) -> list[tuple[int, dict]]:
    """The rows with anything typed in them, numbered from 1 as on screen."""
    return [
        (index, row)
        for index, row in enumerate(rows, start=1)
        if any((row.get(name) or "").strip() for name in FIELDS)
    ]


def preview(community: Community, *, actor: User, rows: list[dict]) -> list[slips.Slip]:
    """Check the typed rows without saving anything. Raises ``NotAllowed``."""
    if not permissions.can_act_for_members(actor, community):
        raise NotAllowed()
    return slips.check(community, filled(rows))


def submit(
    community: Community,
    *,
    actor: User,
    rows: list[dict],
    idempotency_key: str,
    accept_duplicates: bool,
    now: datetime | None = None,
) -> list[Exchange]:
    """Record every row (the coordinator on behalf of the provider, then, for rows in which
    the coordinator is not a party, ``confirm_as_coordinator``: a coordinator decision in
    place of the recipient's confirmation, docs/consent.md; the policy then posts it or
    queues it for approval), all or nothing: any problem, an unconfirmed suspected
    duplicate, or a limit raises before the caller commits. Raises ``NotAllowed``,
    ``InvalidInput`` or ``LimitExceeded``. Audit: one ``exchange.record`` per row (marked
    on behalf of the provider), one ``exchange.confirm`` marked as a coordinator decision
    per row the coordinator is not a party to, and one ``timesheet.batch``."""
    now = now or utcnow()
    key = check_key(idempotency_key)
    checked = preview(community, actor=actor, rows=rows)
    if not checked:
        raise InvalidInput(_l("Type at least one row."), field="rows")
    if any(not slip.ok for slip in checked):
        raise InvalidInput(_l("Correct the rows marked below; nothing was saved."), field="rows")
    if any(slip.duplicate for slip in checked) and not accept_duplicates:
        raise InvalidInput(
            _l("Some rows look like duplicates. Remove them, or confirm that they are not."),
            field="accept_duplicates",
        )
    recorded = []
    for slip in checked:
        values = slip.filled()
        if values is None:  # a row without errors has every value
            raise InvalidInput(
                _l("Correct the rows marked below; nothing was saved."), field="rows"
            )
        provider, recipient, service_date, minutes = values
        is_party = actor.id in (provider.user_id, recipient.user_id)
        exchange = exchanges.record(
            community,
            actor=actor,
            provider=provider,
            recipient=recipient,
            minutes=minutes,
            service_date=service_date,
            category=slip.category or "",
            idempotency_key=f"{key[:56]}:sheet:{slip.line}",
            description=slip.note,
            on_behalf_of=None if is_party else provider,
            now=now,
        )  # fmt: skip
        if not is_party and exchange.status == ExchangeStatus.RECORDED:
            # The paper slip, typed by a coordinator who is not a party, is a coordinator
            # decision (docs/consent.md): audited as such, the parties are told.
            exchanges.confirm_as_coordinator(exchange, actor=actor, now=now)
        recorded.append(exchange)
    audit.record(
        "timesheet.batch",
        actor=actor,
        community_id=community.id,
        obj=recorded[0],
        details={"count": len(recorded), "exchange_ids": [e.id for e in recorded]},
    )
    return recorded
