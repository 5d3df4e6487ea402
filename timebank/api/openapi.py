"""Wiring the API into the app: flask-smorest generates the OpenAPI 3.1 document from the
routes' schemas (``/api/v1/openapi.json``); ``/api/v1/docs`` renders it as a reference
page with the app's own stylesheet (no CDN, no script). Errors inside ``/api/`` are
problem details; the web's HTML error pages stay as they are."""

from __future__ import annotations

import http

from flask import Flask, current_app, render_template
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import Schema, fields

from timebank.access import public
from timebank.api import bp, cors

SPEC_ENDPOINT = "api-docs.openapi_json"


class Problem(Schema):
    """RFC 9457 problem details, as ``problems.problem`` writes them."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.Raw())


PROBLEM = "application/problem+json"


class TimebankApi(Api):
    """flask-smorest's ``Api`` without its app-wide error handler (the web pages keep
    theirs; the API blueprint has its own), documenting errors as the problem details
    the blueprint answers."""

    ERROR_SCHEMA = Problem

    def _register_error_handlers(self) -> None:
        return None

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = Problem
            prepare_response(response, self.spec, PROBLEM)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A problem (RFC 9457).", "schema": Problem}
        prepare_response(response, self.spec, PROBLEM)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def _docs():
    spec = current_app.extensions["timebank_api"].spec.to_dict()
    return render_template("api/docs.html", spec=spec, paths=sorted(spec["paths"].items()))


def init_app(app: Flask) -> None:
    from timebank.extensions import csrf

    app.config.setdefault("API_TITLE", "Timebank API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": "Members, balances, statements and exchanges of a time bank, "
                "with personal access tokens (docs/api.md)."
            },
            "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
            "security": [{"token": []}],
        },
    )
    csrf.exempt(bp)
    cors.init_app(app)
    api = TimebankApi(app)
    app.extensions["timebank_api"] = api
    api.register_blueprint(bp)
    spec_view = app.view_functions[SPEC_ENDPOINT]

    def openapi_json():
        return spec_view()

    app.view_functions[SPEC_ENDPOINT] = public(openapi_json)
    app.add_url_rule("/api/v1/docs", "api_docs", public(_docs))
