"""The connectors HTTP API (mounted under ``/api/connectors``; the gateway routes here), and the
public OAuth callback (``/oauth/<provider>/callback``, forwarded by the gateway)."""

from __future__ import annotations

from flask import Flask

from stitch.common.http.app import create_base_app
from stitch.common.http.problems import Problem, problem_response
from stitch.common.runtime import ServiceRuntime
from stitch.connectors.bootstrap import bootstrap
from stitch.connectors.domain.errors import InvalidInput, NotFound, RuleBroken
from stitch.connectors.entrypoints.connection_views import connections_blueprint
from stitch.connectors.entrypoints.delivery_views import deliveries_blueprint
from stitch.connectors.entrypoints.oauth_views import register_callback

PREFIX = "/api/connectors"


def create_app(runtime: ServiceRuntime | None = None) -> Flask:
    runtime = runtime or bootstrap()
    app, api = create_base_app("connectors", title="Stitch connectors", api_prefix=PREFIX,
                               checks=runtime.readiness_checks(), verifier=runtime.verifier)
    app.register_error_handler(NotFound, lambda e: problem_response(404, "Not Found", str(e)))
    app.register_error_handler(RuleBroken, lambda e: Problem(409, "Conflict", e.message, rule=e.rule).as_response())
    app.register_error_handler(InvalidInput, lambda e: Problem(
        422, "Request is not valid", f"json.{e.field}: {e.rule}",
        errors=[{"name": f"json.{e.field}", "reason": e.rule}]).as_response())
    for blueprint in (connections_blueprint(runtime, PREFIX), deliveries_blueprint(runtime, PREFIX)):
        api.register_blueprint(blueprint)
    register_callback(app, runtime)
    return app
