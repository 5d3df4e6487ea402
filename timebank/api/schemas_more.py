"""Schemas of the listings, notifications and members resources (issue 18, second step):
the same marshmallow classes validate the requests and document them in OpenAPI."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from timebank.api.schemas import PageOut
from timebank.extensions import MAX_PAGE
from timebank.models import ListingKind, MembershipStatus
from timebank.models.listing import MAX_DURATION, MIN_DURATION
from timebank.services.community.profiles import MAX_NAME
from timebank.services.identifiers import MAX_ID
from timebank.services.languages import SPOKEN_LANGUAGES
from timebank.services.listings import listings

KINDS = [kind.value for kind in ListingKind]


class PageArgs(Schema):
    cursor = fields.Integer(
        validate=validate.Range(min=1, max=MAX_PAGE),
        metadata={"description": "The `next` value of the previous page."},
    )
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


_PLACE_ID = "The entry of the community's neighbourhood list (GET /neighbourhoods)."
_PLACE = "Its name in the language of Accept-Language (or the owner's words)."
_DURATION = "How long the help takes, in minutes (5 to 1440), if the owner said."


class ListingSearchArgs(PageArgs):
    q = fields.String(load_default="", validate=validate.Length(max=200),
                      metadata={"description": "Words to look for."})  # fmt: skip
    kind = fields.String(validate=validate.OneOf(KINDS))
    category = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "A category id (its subcategories too)."},
    )
    neighbourhood = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID), metadata={"description": _PLACE_ID}
    )


class ListingCardOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    is_group = fields.Boolean()
    title = fields.String()
    neighbourhood_id = fields.Integer(allow_none=True, metadata={"description": _PLACE_ID})
    neighbourhood = fields.String(allow_none=True, metadata={"description": _PLACE})
    duration_minutes = fields.Integer(allow_none=True, metadata={"description": _DURATION})
    when_text = fields.String(allow_none=True)
    owner_id = fields.Integer(metadata={"description": "The owner's membership id."})
    owner_name = fields.String(allow_none=True)
    category = fields.String(metadata={"description": "In the language of Accept-Language."})


class ListingPageOut(PageOut):
    items = fields.List(fields.Nested(ListingCardOut))
    total = fields.Integer(metadata={"description": "Matches, counted up to 1000."})


class ListingOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    title = fields.String()
    description = fields.String()
    category_id = fields.Integer()
    category = fields.String()
    neighbourhood_id = fields.Integer(allow_none=True, metadata={"description": _PLACE_ID})
    neighbourhood = fields.String(allow_none=True, metadata={"description": _PLACE})
    duration_minutes = fields.Integer(allow_none=True, metadata={"description": _DURATION})
    when_text = fields.String(allow_none=True)
    language = fields.String()
    is_group = fields.Boolean()
    owner_id = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    expires_at = fields.DateTime()


class ListingPatch(Schema):
    """Every field optional: what is left out keeps its value."""

    kind = fields.String(validate=validate.OneOf(KINDS))
    title = fields.String(validate=validate.Length(min=1, max=listings.MAX_TITLE))
    description = fields.String(validate=validate.Length(max=listings.MAX_DESCRIPTION))
    category_id = fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID))
    neighbourhood_id = fields.Integer(
        allow_none=True, strict=True, validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "An entry of GET /neighbourhoods (null: not given)."},
    )  # fmt: skip
    neighbourhood = fields.String(
        allow_none=True,
        validate=validate.Length(max=listings.MAX_NEIGHBOURHOOD),
        metadata={"description": "Instead of the id: a name, in either language, of an "
                  "entry (kept as words when no entry has it)."},
    )  # fmt: skip
    duration_minutes = fields.Integer(
        allow_none=True, strict=True,
        validate=validate.Range(min=MIN_DURATION, max=MAX_DURATION),
        metadata={"description": _DURATION},
    )  # fmt: skip
    when_text = fields.String(allow_none=True, validate=validate.Length(max=listings.MAX_WHEN))
    language = fields.String(validate=validate.OneOf(list(SPOKEN_LANGUAGES)))
    is_group = fields.Boolean()


class ListingIn(ListingPatch):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    title = fields.String(required=True, validate=validate.Length(min=1, max=listings.MAX_TITLE))
    category_id = fields.Integer(required=True, strict=True,
                                 validate=validate.Range(min=1, max=MAX_ID))  # fmt: skip


class NotificationOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    text = fields.String(
        metadata={"description": "Who did what, in the language of Accept-Language."}
    )
    detail = fields.String(
        allow_none=True,
        metadata={"description": "What it was and what to do next (as the inbox shows it)."},
    )
    community = fields.String(allow_none=True, metadata={"description": "The community's slug."})
    object_type = fields.String(allow_none=True)
    object_id = fields.Integer(allow_none=True)
    read = fields.Boolean()
    created_at = fields.DateTime()


class NotificationPageOut(PageOut):
    unread = fields.Integer()
    items = fields.List(fields.Nested(NotificationOut))


class NotificationCursorArgs(Schema):
    cursor = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


class MarkedOut(Schema):
    marked = fields.Integer(metadata={"description": "How many were unread."})


class MemberArgs(PageArgs):
    status = fields.String(
        load_default="active", validate=validate.OneOf([s.value for s in MembershipStatus])
    )


class MemberOut(Schema):
    id = fields.Integer(metadata={"description": "The membership id."})
    member_number = fields.Integer(allow_none=True)
    display_name = fields.String()
    role = fields.String()
    status = fields.String()
    has_email = fields.Boolean()
    balance_minutes = fields.Integer(allow_none=True)
    joined_at = fields.DateTime(allow_none=True)


class MemberPageOut(PageOut):
    items = fields.List(fields.Nested(MemberOut))
    total = fields.Integer()


class MemberIn(Schema):
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=MAX_NAME))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    locale = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(["ar", "en"])
    )
