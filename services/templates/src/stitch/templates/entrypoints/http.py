"""The templates HTTP API (mounted under ``/api/templates``; the gateway routes here)."""

from __future__ import annotations

from flask import Flask
from flask.views import MethodView
from flask_smorest import Blueprint

from stitch.common.http.app import create_base_app
from stitch.common.http.auth import current_principal, requires_auth
from stitch.common.http.pagination import PageArgs, decode_cursor, page_of
from stitch.common.http.problems import Problem
from stitch.common.permissions import Capability
from stitch.common.runtime import ServiceRuntime
from stitch.templates.application.templates import CreateTemplate
from stitch.templates.bootstrap import bootstrap
from stitch.templates.domain.template import InvalidTemplate
from stitch.templates.entrypoints.schemas import TemplateIn, TemplateOut, TemplatePage

PREFIX = "/api/templates"


def create_app(runtime: ServiceRuntime | None = None) -> Flask:
    runtime = runtime or bootstrap()
    app, api = create_base_app("templates", title="Stitch templates", api_prefix=PREFIX,
                               checks=runtime.readiness_checks(), verifier=runtime.verifier)
    app.register_error_handler(InvalidTemplate, lambda e: Problem(
        422, "Request is not valid", str(e), errors=[{"name": f"json.{e.field}", "reason": e.rule}]).as_response())
    api.register_blueprint(_templates_blueprint(runtime))
    return app


def _templates_blueprint(runtime: ServiceRuntime) -> Blueprint:
    blueprint = Blueprint("templates", __name__, url_prefix=f"{PREFIX}/templates",
                          description="Onboarding templates")
    use = runtime.use_cases

    @blueprint.route("")
    class Templates(MethodView):
        @requires_auth(Capability.READ)
        @blueprint.arguments(PageArgs, location="query")
        @blueprint.response(200, TemplatePage)
        def get(self, page):
            items = use["list_templates"](current_principal().org_id, page["limit"] + 1,
                                          decode_cursor(page["cursor"]))
            return page_of(items, page["limit"], lambda t: (t.created_at.isoformat(), t.id))

        @requires_auth(Capability.MANAGE_TEMPLATES)
        @blueprint.arguments(TemplateIn)
        @blueprint.response(201, TemplateOut)
        def post(self, body):
            principal = current_principal()
            return use["create_template"](CreateTemplate(principal.org_id, body["name"], principal.subject))

    return blueprint
