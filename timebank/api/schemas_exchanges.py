"""Schemas of the exchanges resource (lists, one exchange with its approval state and
ledger legs, reject and cancel): the same marshmallow classes validate the requests and
document them in OpenAPI."""

from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow.exceptions import ValidationError

from timebank.api.schemas import PageOut
from timebank.services.exchanges import feed
from timebank.services.identifiers import MAX_ID
from timebank.services.ledger.checks import MAX_REASON_LENGTH


class ExchangeListArgs(Schema):
    cursor = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "The `next` value of the previous page."},
    )
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=feed.MAX_LIMIT))
    state = fields.String(
        validate=validate.OneOf(feed.STATES),
        metadata={"description": "One status, or `pending` (recorded or awaiting approval)."},
    )
    category = fields.String(validate=validate.Length(min=1, max=40))
    date_from = fields.Date(metadata={"description": "Service date on or after."})
    date_to = fields.Date(metadata={"description": "Service date on or before."})

    @validates_schema
    def _ordered(self, data: dict, **_kwargs) -> None:
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError(_("The end date must be on or after the start date."), "date_to")


class CommunityExchangeArgs(ExchangeListArgs):
    member = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "A membership id: its exchanges, on either side."},
    )


class Approval(Schema):
    waiting_for = fields.String(
        allow_none=True,
        metadata={"description": "`other_member`, `coordinator`, or null once decided."},
    )
    reasons = fields.List(
        fields.String(), metadata={"description": "Why it needs a coordinator's approval."}
    )
    confirmed_by_id = fields.Integer(allow_none=True, metadata={"description": "A user id."})
    confirmed_at = fields.DateTime(allow_none=True)
    decided_by_id = fields.Integer(allow_none=True, metadata={"description": "A user id."})
    decided_at = fields.DateTime(allow_none=True)


class Leg(Schema):
    entry_id = fields.Integer()
    account_id = fields.Integer()
    membership_id = fields.Integer(allow_none=True, metadata={"description": "Null: the pot."})
    delta_minutes = fields.Integer()
    delta_hours = fields.String()
    balance_after_minutes = fields.Integer(
        allow_none=True,
        metadata={"description": "Only on the caller's own leg, or for coordinators."},
    )
    posted_at = fields.DateTime()


class ExchangeItem(Schema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    minutes = fields.Integer()
    hours = fields.String()
    service_date = fields.Date()
    category = fields.String()
    created_at = fields.DateTime()
    provider_id = fields.Integer(allow_none=True, metadata={"description": "Membership id."})
    provider_name = fields.String(allow_none=True)
    recipient_id = fields.Integer(allow_none=True, metadata={"description": "Membership id."})
    recipient_name = fields.String(allow_none=True)
    waiting_for = fields.String(allow_none=True)


class ExchangePageOut(PageOut):
    items = fields.List(fields.Nested(ExchangeItem))


class ExchangeOut(ExchangeItem):
    provider_account_id = fields.Integer()
    recipient_account_id = fields.Integer()
    recorded_by_id = fields.Integer()
    on_behalf_of_id = fields.Integer(allow_none=True)
    reverses_exchange_id = fields.Integer(allow_none=True)
    reversed_by_id = fields.Integer(allow_none=True)
    group_id = fields.Integer(allow_none=True)
    description = fields.String(allow_none=True)
    reason = fields.String(
        allow_none=True, metadata={"description": "Why it was rejected, withdrawn or reversed."}
    )
    approval = fields.Nested(Approval)
    legs = fields.List(fields.Nested(Leg), metadata={"description": "Empty until posted."})
    actions = fields.List(
        fields.String(), metadata={"description": "What the caller may do now (confirm, …)."}
    )


class RejectIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=MAX_REASON_LENGTH))


class CancelIn(Schema):
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=MAX_REASON_LENGTH))  # fmt: skip
