"""The accounts HTTP API (mounted under ``/api/accounts``; the gateway routes here)."""

from __future__ import annotations

from flask import Flask
from flask.views import MethodView
from flask_smorest import Blueprint

from stitch.accounts.bootstrap import bootstrap
from stitch.accounts.entrypoints.schemas import CatalogPage
from stitch.common.http.app import create_base_app
from stitch.common.http.auth import current_principal, requires_auth
from stitch.common.http.pagination import PageArgs, decode_cursor, page_of
from stitch.common.permissions import Capability
from stitch.common.runtime import ServiceRuntime

PREFIX = "/api/accounts"


def create_app(runtime: ServiceRuntime | None = None) -> Flask:
    runtime = runtime or bootstrap()
    app, api = create_base_app("accounts", title="Stitch accounts", api_prefix=PREFIX,
                               checks=runtime.readiness_checks(), verifier=runtime.verifier)
    api.register_blueprint(_catalog_blueprint(runtime))
    return app


def _catalog_blueprint(runtime: ServiceRuntime) -> Blueprint:
    blueprint = Blueprint("template_catalog", __name__, url_prefix=f"{PREFIX}/template-catalog",
                          description="Templates this service knows of (fed by templates events)")

    @blueprint.route("")
    class TemplateCatalog(MethodView):
        @requires_auth(Capability.READ)
        @blueprint.arguments(PageArgs, location="query")
        @blueprint.response(200, CatalogPage)
        def get(self, page):
            items = runtime.use_cases["list_catalog"](current_principal().org_id, page["limit"] + 1,
                                                      decode_cursor(page["cursor"]))
            return page_of(items, page["limit"], lambda e: (e.created_at.isoformat(), e.template_id))

    return blueprint
