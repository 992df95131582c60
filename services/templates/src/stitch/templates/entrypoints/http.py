"""The templates HTTP API (mounted under ``/api/templates``; the gateway routes here)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.exc import IntegrityError

from stitch.common.http.app import create_base_app
from stitch.common.http.conditional import stale_version_response
from stitch.common.http.problems import invalid_fields_response, problem_response
from stitch.common.runtime import ServiceRuntime
from stitch.templates.application.common import StaleVersion
from stitch.templates.application.generation import DraftFailed
from stitch.templates.bootstrap import bootstrap
from stitch.templates.domain.errors import Conflict, InvalidTemplate, NotFound
from stitch.templates.entrypoints.handoff_views import handoff_forms_blueprint
from stitch.templates.entrypoints.plan_views import plan_blueprint
from stitch.templates.entrypoints.template_views import templates_blueprint

PREFIX = "/api/templates"


def create_app(runtime: ServiceRuntime | None = None) -> Flask:
    runtime = runtime or bootstrap()
    app, api = create_base_app("templates", title="Stitch templates", api_prefix=PREFIX,
                               checks=runtime.readiness_checks(), verifier=runtime.verifier)
    _register_error_handlers(app)
    for blueprint in (templates_blueprint(runtime, PREFIX), plan_blueprint(runtime, PREFIX),
                      handoff_forms_blueprint(runtime, PREFIX)):
        api.register_blueprint(blueprint)
    return app


def _register_error_handlers(app: Flask) -> None:
    app.register_error_handler(InvalidTemplate, lambda e: invalid_fields_response(e.violations))
    app.register_error_handler(NotFound, lambda e: problem_response(404, "Not Found", str(e)))
    app.register_error_handler(Conflict, lambda e: problem_response(409, "Conflict", str(e)))
    app.register_error_handler(StaleVersion, stale_version_response)
    app.register_error_handler(DraftFailed, lambda e: problem_response(502, "Bad Gateway", str(e)))
    # Two admins racing for one name (or one revision number): the unique index decides.
    app.register_error_handler(IntegrityError, lambda e: problem_response(
        409, "Conflict", "another change to the same name or revision won a race; reload and try again"))
