"""Schemas of the companionship and metrics resources: the same marshmallow classes
validate the requests and document them in OpenAPI."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from timebank.api.schemas import CursorArgs, PageOut
from timebank.models import MINUTES_CAP, ArrangementStatus, RequestStatus, Wellbeing
from timebank.services.companionship import lists
from timebank.services.companionship.requests import MAX_NOTES


class _Cursor(CursorArgs):
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=lists.MAX_LIMIT))


class RequestArgs(_Cursor):
    status = fields.String(validate=validate.OneOf([s.value for s in RequestStatus]))


class MatchArgs(_Cursor):
    status = fields.String(validate=validate.OneOf([s.value for s in ArrangementStatus]))


class _CompanionshipOut(Schema):
    """What a request and the match made from it both say."""

    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    recipient_id = fields.Integer(metadata={"description": "The visited member's membership id."})
    recipient_name = fields.String()
    created_at = fields.DateTime()


class CompanionRequestOut(_CompanionshipOut):
    frequency = fields.String()
    preferred_times = fields.String(allow_none=True)
    language = fields.String()


class CompanionRequestPageOut(PageOut):
    items = fields.List(fields.Nested(CompanionRequestOut))


class MatchOut(_CompanionshipOut):
    request_id = fields.Integer()
    volunteer_id = fields.Integer(metadata={"description": "Membership id."})
    volunteer_name = fields.String()
    visit_weekday = fields.Integer(allow_none=True, metadata={"description": "0 Monday."})
    visit_time = fields.Time(allow_none=True)
    confirmed_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    can_log_visit = fields.Boolean()


class MatchPageOut(PageOut):
    items = fields.List(fields.Nested(MatchOut))


class VisitIn(Schema):
    minutes = fields.Integer(required=True, strict=True,
                             validate=validate.Range(min=1, max=MINUTES_CAP))  # fmt: skip
    service_date = fields.Date(required=True)
    wellbeing = fields.String(required=True, validate=validate.OneOf([w.value for w in Wellbeing]))
    concern_note = fields.String(load_default=None, allow_none=True,
                                 validate=validate.Length(max=MAX_NOTES))  # fmt: skip


class VisitOut(Schema):
    id = fields.Integer()
    arrangement_id = fields.Integer()
    exchange_id = fields.Integer()
    exchange_status = fields.String()
    wellbeing = fields.String()
    concern_raised = fields.Boolean()
    created_at = fields.DateTime()


class PeriodArgs(Schema):
    period = fields.String(
        validate=validate.Length(max=30),
        metadata={"description": "`2026-03`, `2026-Q1`, `2026` or `2026-01-05_2026-02-10`."},
    )
    start = fields.Date(metadata={"description": "Your own dates: the first day (with `end`)."})
    end = fields.Date(metadata={"description": "The last day (with `start`)."})


class PeriodOut(Schema):
    kind = fields.String()
    label = fields.String()
    start = fields.Date()
    end = fields.Date()


class FigureOut(Schema):
    key = fields.String()
    group = fields.String()
    label = fields.String(metadata={"description": "In the language of Accept-Language."})
    kind = fields.String(metadata={"description": "count, share (0..1), minutes, ratio, days…"})
    value = fields.Float(allow_none=True, metadata={"description": "Null: no data."})
    previous = fields.Float(allow_none=True, metadata={"description": "The previous period's."})


class LevelOut(Schema):
    level = fields.String()
    name = fields.String()
    members = fields.Integer()
    previous = fields.Integer()


class MonthOut(Schema):
    month = fields.String()
    exchanges = fields.Integer()
    minutes = fields.Integer()
    hours = fields.String()
    active_members = fields.Integer()


class CategoryFigureOut(Schema):
    key = fields.String()
    name = fields.String()
    exchanges = fields.Integer()
    minutes = fields.Integer()
    hours = fields.String()


class PartnersOut(Schema):
    bucket = fields.String()
    name = fields.String()
    members = fields.Integer()


class NeighbourhoodFigureOut(Schema):
    neighbourhood = fields.String()
    members = fields.Integer()
    active_members = fields.Integer()
    minutes_given = fields.Integer()
    minutes_received = fields.Integer()


class MetricsOut(Schema):
    audience = fields.String(metadata={"description": "`coordinator` or `member` (fewer)."})
    period = fields.Nested(PeriodOut)
    previous_period = fields.Nested(PeriodOut)
    has_activity = fields.Boolean()
    figures = fields.List(fields.Nested(FigureOut))
    levels = fields.List(fields.Nested(LevelOut))
    months = fields.List(fields.Nested(MonthOut))
    categories = fields.List(fields.Nested(CategoryFigureOut))
    partners = fields.List(fields.Nested(PartnersOut))
    neighbourhoods = fields.List(
        fields.Nested(NeighbourhoodFigureOut), metadata={"description": "Coordinators only."}
    )


class ReportOut(Schema):
    """The activity report as its JSON download (docs/reports.md)."""

    community = fields.String()
    slug = fields.String()
    locale = fields.String()
    period = fields.Dict()
    no_activity = fields.Boolean()
    summary = fields.Dict()
    previous = fields.Dict()
    estimated_social_value = fields.Dict(allow_none=True)
    tables = fields.Dict()
