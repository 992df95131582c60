"""Handoff forms: the questions an AE answers when handing a customer to CS."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from stitch.common.http.auth import current_principal, requires_auth
from stitch.common.http.pagination import cursor_problem, decode_cursor, page_of
from stitch.common.permissions import Capability
from stitch.common.runtime import ServiceRuntime
from stitch.templates.entrypoints import schemas as s
from stitch.templates.entrypoints.support import actor, etag, expected_version, number_cursor


def handoff_forms_blueprint(runtime: ServiceRuntime, prefix: str) -> Blueprint:
    blueprint = Blueprint("handoff_forms", __name__, url_prefix=f"{prefix}/handoff-forms",
                          description="Handoff forms (several per organization, versioned questions)")
    use = runtime.use_cases

    @blueprint.route("")
    class Forms(MethodView):
        @requires_auth(Capability.READ)
        @blueprint.arguments(s.StatusArgs, location="query")
        @blueprint.response(200, s.HandoffFormPage)
        def get(self, args):
            try:
                items = use["list_forms"](current_principal().org_id, args["status"], args["limit"] + 1,
                                          decode_cursor(args["cursor"]))
            except ValueError:
                raise cursor_problem() from None
            return page_of(items, args["limit"], lambda f: (f.name.casefold(), f.id))

        @requires_auth(Capability.MANAGE_TEMPLATES)
        @blueprint.arguments(s.HandoffFormIn)
        @blueprint.response(201, s.HandoffFormOut)
        def post(self, body):
            form = use["create_form"](actor(), body)
            return form, etag(form.version)

    @blueprint.route("/<form_id>")
    class OneForm(MethodView):
        @requires_auth(Capability.READ)
        @blueprint.response(200, s.HandoffFormOut)
        def get(self, form_id):
            form = use["get_form"](current_principal().org_id, form_id)
            return form, etag(form.version)

        @requires_auth(Capability.MANAGE_TEMPLATES)
        @blueprint.arguments(s.HandoffFormChangeIn)
        @blueprint.response(200, s.HandoffFormOut)
        def patch(self, body, form_id):
            """Wording changes reach only versions published from now on."""
            form = use["change_form"](actor(), form_id, body, expected_version())
            return form, etag(form.version)

    @blueprint.route("/<form_id>/publish", methods=["POST"])
    @requires_auth(Capability.MANAGE_TEMPLATES)
    @blueprint.response(201, s.HandoffFormVersionOut)
    def publish(form_id):
        return use["publish_form"](actor(), form_id, expected_version())

    @blueprint.route("/<form_id>/archive", methods=["POST"])
    @requires_auth(Capability.MANAGE_TEMPLATES)
    @blueprint.response(200, s.HandoffFormOut)
    def archive(form_id):
        form = use["set_form_archived"](actor(), form_id, True, expected_version())
        return form, etag(form.version)

    @blueprint.route("/<form_id>/restore", methods=["POST"])
    @requires_auth(Capability.MANAGE_TEMPLATES)
    @blueprint.response(200, s.HandoffFormOut)
    def restore(form_id):
        form = use["set_form_archived"](actor(), form_id, False, expected_version())
        return form, etag(form.version)

    @blueprint.route("/<form_id>/versions", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.arguments(s.PageArgs, location="query")
    @blueprint.response(200, s.HandoffFormVersionPage)
    def versions(args, form_id):
        items = use["list_form_versions"](current_principal().org_id, form_id, args["limit"] + 1,
                                          number_cursor(args["cursor"]))
        return page_of(items, args["limit"], lambda v: (str(v.number),))

    @blueprint.route("/<form_id>/versions/<int(max=2147483647):number>", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.response(200, s.HandoffFormVersionOut)
    def version(form_id, number):
        return use["get_form_version"](current_principal().org_id, form_id, number)

    return blueprint
