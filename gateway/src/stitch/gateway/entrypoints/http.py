"""The gateway HTTP app: token checks at the edge, routing to services, JWKS, ops health."""

from __future__ import annotations

from flask import Flask, Response, g, jsonify, render_template_string, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from stitch.common.http.app import create_base_app
from stitch.common.http.auth import current_principal
from stitch.common.http.problems import Problem
from stitch.common.runtime import ServiceRuntime
from stitch.common.tokens import TokenError
from stitch.gateway import config
from stitch.gateway.adapters.forwarder import ServiceUnavailable
from stitch.gateway.application.health import suite_health
from stitch.gateway.application.routes import is_public
from stitch.gateway.bootstrap import bootstrap
from stitch.gateway.entrypoints.ops_page import OPS_PAGE

PREFIX = "/api/gateway"


class TokenOut(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()


def create_app(runtime: ServiceRuntime | None = None) -> Flask:
    runtime = runtime or bootstrap()
    settings, use = runtime.settings, runtime.use_cases
    app, api = create_base_app("gateway", title="Stitch gateway", api_prefix=PREFIX,
                               checks=runtime.readiness_checks(), verifier=runtime.verifier)
    dev = settings.env == "dev"

    @app.before_request
    def _edge_authentication() -> None:
        if not is_public(request.path, dev):
            current_principal()  # 401 problem unless the token verifies

    @app.get("/.well-known/jwks.json")
    def jwks() -> Response:
        response = jsonify(use["jwks"]())
        response.headers["Cache-Control"] = "public, max-age=300"
        return response

    @app.route("/api/<service>/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def route_to_service(service: str, rest: str) -> Response:
        if service not in config.SERVICES:
            raise Problem(404, "Not Found", f"no API named {service!r}")
        try:
            return use["forward"](settings.service_url(service), request)
        except ServiceUnavailable as exc:
            raise Problem(502, "Bad Gateway", f"the {service} service did not answer") from exc

    blueprint = Blueprint("gateway", __name__, description="Gateway operations")

    @blueprint.route("/auth/dev/token")
    class DevToken(MethodView):
        @blueprint.response(200, TokenOut)
        @blueprint.doc(security=[])
        def post(self):
            """Development login: a token for the seeded demo admin (dev mode only)."""
            if not dev:
                raise Problem(404, "Not Found", "development login is disabled")
            return use["issue_dev_token"]()

    @blueprint.route("/ops/health")
    class OpsHealth(MethodView):
        @blueprint.doc(security=[])
        def get(self):
            """Readiness of the gateway and every service: statuses for anyone, details for admins."""
            probes = {"gateway": _own_readiness(app), **use["probe_services"]()}
            body = suite_health(probes, with_details=_is_admin())
            status = 200 if body["status"] == "ready" else 503
            if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
                return render_template_string(OPS_PAGE, health=body), status
            return jsonify(body), status

    api.register_blueprint(blueprint)
    return app


def _own_readiness(app: Flask) -> dict:
    with app.test_client() as client:
        body = client.get("/readyz").get_json()
    return {"status": body["status"], "checks": body["checks"]}


def _is_admin() -> bool:
    if not request.headers.get("Authorization"):
        return False
    try:
        return current_principal().role == "admin"
    except (Problem, TokenError):
        g.pop("principal", None)
        return False
