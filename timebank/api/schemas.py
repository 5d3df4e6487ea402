"""The API's request and response schemas (marshmallow): the same classes validate the
requests and generate the OpenAPI document. Hours are decimal strings ("1.50"), minutes
whole numbers, dates ISO 8601, ids integers."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from timebank.services.identifiers import MAX_ID
from timebank.services.ledger.entry_feed import MAX_LIMIT

Id = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID))


def hours(minutes: int) -> str:
    """Minutes as a decimal string of hours, exact to the minute's hundredth."""
    sign = "-" if minutes < 0 else ""
    whole, rest = divmod(abs(minutes), 60)
    return f"{sign}{whole}.{rest * 100 // 60:02d}"


class MembershipOut(Schema):
    community = fields.String(metadata={"description": "The community's slug."})
    community_name = fields.String()
    role = fields.String()
    status = fields.String()
    member_number = fields.Integer(allow_none=True)
    membership_id = fields.Integer()
    balance_minutes = fields.Integer()
    balance_hours = fields.String()
    credit_limit_minutes = fields.Integer()


class MeOut(Schema):
    id = fields.Integer()
    display_name = fields.String()
    locale = fields.String(allow_none=True)
    token_name = fields.String()
    scopes = fields.List(fields.String())
    memberships = fields.List(fields.Nested(MembershipOut))


class CursorArgs(Schema):
    cursor = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "The `next` value of the previous page."},
    )
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=MAX_LIMIT))


class PageOut(Schema):
    """A page of a list: its ``items`` (each list's own) and the cursor of the next."""

    next = fields.Integer(allow_none=True, metadata={"description": "Cursor of the next page."})


class StatementLine(Schema):
    entry_id = fields.Integer()
    exchange_id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    category = fields.String()
    service_date = fields.Date()
    posted_at = fields.DateTime()
    delta_minutes = fields.Integer()
    delta_hours = fields.String()
    balance_after_minutes = fields.Integer()


class StatementOut(PageOut):
    balance_minutes = fields.Integer()
    balance_hours = fields.String()
    items = fields.List(fields.Nested(StatementLine))


class CategoryOut(Schema):
    id = fields.Integer()
    key = fields.String()
    name = fields.String()
    parent_id = fields.Integer(allow_none=True)


class ExchangeIn(Schema):
    provider_id = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "Membership id of the member who gave the time."},
    )  # fmt: skip
    recipient_id = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "Membership id of the member who received it."},
    )  # fmt: skip
    minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10_000))
    service_date = fields.Date(required=True)
    category = fields.String(required=True, validate=validate.Length(min=1, max=40))
    description = fields.String(validate=validate.Length(max=2000), load_default=None)
