"""The accounts HTTP API (mounted under ``/api/accounts``; the gateway routes here)."""

from __future__ import annotations

from flask import Flask, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.exc import IntegrityError

from stitch.accounts.bootstrap import bootstrap
from stitch.accounts.domain.errors import InvalidInput, NotAllowed, NotFound, RuleBroken
from stitch.accounts.entrypoints.account_views import accounts_blueprint
from stitch.accounts.entrypoints.action_views import actions_blueprint
from stitch.accounts.entrypoints.history_views import history_blueprint
from stitch.accounts.entrypoints.list_views import list_blueprint
from stitch.accounts.entrypoints.note_views import notes_blueprint
from stitch.accounts.entrypoints.plan_views import plan_blueprint
from stitch.accounts.entrypoints.pool_views import pools_blueprint
from stitch.accounts.entrypoints.queue_views import queue_blueprint
from stitch.accounts.entrypoints.schemas import CatalogPage
from stitch.accounts.entrypoints.settings_views import settings_blueprint
from stitch.accounts.entrypoints.workspace_views import workspace_blueprint
from stitch.common.concurrency import StaleVersion
from stitch.common.http.app import create_base_app
from stitch.common.http.auth import current_principal, requires_auth
from stitch.common.http.conditional import stale_version_response
from stitch.common.http.pagination import PageArgs, decode_cursor, page_of
from stitch.common.http.problems import Problem, invalid_fields_response, problem_response
from stitch.common.permissions import Capability
from stitch.common.runtime import ServiceRuntime

PREFIX = "/api/accounts"
# Members every problem has (RFC 9457 and ours); a rule's detail of the same name is renamed.
PROBLEM_MEMBERS = frozenset({"type", "title", "status", "detail", "instance", "request_id", "rule", "errors"})


def create_app(runtime: ServiceRuntime | None = None) -> Flask:
    runtime = runtime or bootstrap()
    app, api = create_base_app("accounts", title="Stitch accounts", api_prefix=PREFIX,
                               checks=runtime.readiness_checks(), verifier=runtime.verifier)
    _register_error_handlers(app)
    for blueprint in (_catalog_blueprint(runtime), list_blueprint(runtime, PREFIX),  # list before /accounts/<id>
                      accounts_blueprint(runtime, PREFIX), plan_blueprint(runtime, PREFIX),
                      actions_blueprint(runtime, PREFIX), history_blueprint(runtime, PREFIX),
                      settings_blueprint(runtime, PREFIX), pools_blueprint(runtime, PREFIX),
                      notes_blueprint(runtime, PREFIX), queue_blueprint(runtime, PREFIX),
                      workspace_blueprint(runtime, PREFIX)):
        api.register_blueprint(blueprint)
    return app


def _register_error_handlers(app: Flask) -> None:
    app.register_error_handler(InvalidInput, lambda e: invalid_fields_response(e.violations))
    app.register_error_handler(RuleBroken, rule_broken_response)
    app.register_error_handler(NotFound, lambda e: problem_response(404, "Not Found", str(e)))
    app.register_error_handler(NotAllowed, lambda e: Problem(403, "Forbidden", e.message, rule=e.rule).as_response())
    app.register_error_handler(StaleVersion, stale_version_response)
    app.register_error_handler(IntegrityError, integrity_error_response)


def integrity_error_response(error: IntegrityError):
    """A unique index decided a race: creating accounts races for one account per CRM deal."""
    if request.method == "POST" and request.path == f"{PREFIX}/accounts":
        return problem_response(409, "Conflict", "another request created the account for this deal at the same "
                                                 "moment; reload")
    return problem_response(409, "Conflict", "another change won a race; reload and try again")


def rule_broken_response(error: RuleBroken):
    """409 with the rule a client can branch on and what stands in the way (e.g. the open blockers)."""
    subject = error.rule.split(".")[0]
    details = {(f"{subject}_{key}" if key in PROBLEM_MEMBERS else key): value for key, value in error.details.items()}
    return Problem(409, "Conflict", error.message, rule=error.rule, **details).as_response()


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
