"""The Flask application shell every Stitch process serves its API in."""

from __future__ import annotations

import threading
from collections.abc import Mapping

import swagger_ui_bundle
from flask import Flask, send_from_directory
from flask_smorest import Api

from stitch.common.http.auth import BEARER_SCHEME
from stitch.common.http.health import Check, drain_on_sigterm, health_blueprint
from stitch.common.http.observability import install_request_context
from stitch.common.http.problems import handle_http_exception, install_problem_handlers
from stitch.common.tokens import TokenVerifier

MAX_BODY = 1024 * 1024  # DESIGN §6: bodies over 1 MiB are refused (uploads opt out per route)


def create_base_app(service: str, *, title: str, api_prefix: str, checks: Mapping[str, Check],
                    verifier: TokenVerifier | None, version: str = "0.1.0") -> tuple[Flask, Api]:
    """Build the app with docs, problem+json errors, health, metrics and request context.

    ``api_prefix`` is where the OpenAPI document and its browsable UI live (``/api/<service>``
    for services, so the gateway can route to them like to any other path).
    """
    app = Flask(f"stitch.{service}")
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_BODY,
        API_TITLE=title,
        API_VERSION=version,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=api_prefix or "/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL=f"{api_prefix}/docs/assets/",  # served below: no CDN, works offline
        API_SPEC_OPTIONS={"components": {"securitySchemes": BEARER_SCHEME}, "security": [{"bearerAuth": []}]},
    )
    app.extensions["stitch.verifier"] = verifier
    draining = threading.Event()
    app.extensions["stitch.draining"] = draining
    install_problem_handlers(app)
    install_request_context(app, service)
    api = _ProblemApi(app)
    app.register_blueprint(health_blueprint(checks, draining))

    @app.get(f"{api_prefix}/docs/assets/<path:filename>")
    def swagger_assets(filename: str):
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=3600)

    drain_on_sigterm(draining)
    return app, api


class _ProblemApi(Api):
    """flask-smorest answers errors in its own envelope; route them through problem+json."""

    def handle_http_exception(self, error):
        return handle_http_exception(error)
