"""API v1 neighbourhoods: the lists of the communities where the holder is an active
member (issue 16), to show or choose where a member lives. Read-only."""

from __future__ import annotations

from flask_babel import get_locale
from marshmallow import Schema, fields, validate

from timebank.api import bp
from timebank.api.tokens import caller, community_of_caller, scope_required
from timebank.services.listings import neighbourhoods


class NeighbourhoodArgs(Schema):
    community = fields.String(
        validate=validate.Length(min=1, max=60),
        metadata={"description": "Only this community's list (its slug)."},
    )
    include_retired = fields.Boolean(
        load_default=False,
        metadata={"description": "Also entries no longer offered (members may still have them)."},
    )


class NeighbourhoodOut(Schema):
    id = fields.Integer()
    community = fields.String(metadata={"description": "The community's slug."})
    name = fields.String(metadata={"description": "The name in the client's language."})
    name_en = fields.String()
    name_ar = fields.String()
    active = fields.Boolean(metadata={"description": "Offered to members to choose."})


class NeighbourhoodListOut(Schema):
    items = fields.List(fields.Nested(NeighbourhoodOut))


@bp.route("/neighbourhoods")
@scope_required("read")
@bp.arguments(NeighbourhoodArgs, location="query")
@bp.response(200, NeighbourhoodListOut)
def neighbourhood_list(args: dict):
    """The neighbourhoods of the holder's communities, or of the one asked for."""
    if "community" in args:
        community, _ = community_of_caller(args["community"])
        ids = [community.id]
    else:
        ids = [m.community_id for m in caller().memberships if m.is_active]
    locale = str(get_locale() or "en")
    rows = neighbourhoods.of_communities(ids, include_retired=args["include_retired"])
    return {
        "items": [
            {"id": n.id, "community": slug, "name": n.display_name(locale),
             "name_en": n.name_en, "name_ar": n.name_ar, "active": n.active}
            for n, slug in rows
        ]
    }  # fmt: skip
