"""Templates: list, create, read, change details, lifecycle, revisions, files and AI drafts."""

from __future__ import annotations

import re

from flask.views import MethodView
from flask_smorest import Blueprint

from stitch.common.http.auth import current_principal, requires_auth
from stitch.common.http.pagination import cursor_problem, decode_cursor, page_of
from stitch.common.permissions import Capability
from stitch.common.runtime import ServiceRuntime
from stitch.templates.adapters.template_repository import sort_position
from stitch.templates.application.ports import TemplateQuery
from stitch.templates.domain.content import RECIPIENT_RULES
from stitch.templates.domain.merge_fields import MERGE_FIELDS
from stitch.templates.entrypoints import schemas as s
from stitch.templates.entrypoints.support import actor, etag, expected_version, number_cursor


def templates_blueprint(runtime: ServiceRuntime, prefix: str) -> Blueprint:
    blueprint = Blueprint("templates", __name__, url_prefix=prefix, description="Onboarding templates")
    use = runtime.use_cases

    @blueprint.route("/templates")
    class Templates(MethodView):
        @requires_auth(Capability.READ)
        @blueprint.arguments(s.TemplateListArgs, location="query")
        @blueprint.response(200, s.TemplatePage)
        def get(self, args):
            """Search and filter templates; no limit on how many an organization keeps."""
            query = TemplateQuery(text=args["q"].strip(), status=args["status"], segment=args["segment"].strip(),
                                  tags=tuple(t.strip() for t in args["tag"] if t.strip()),
                                  published=args["published"], sort=args["sort"])
            try:
                items = use["list_templates"](current_principal().org_id, query, args["limit"] + 1,
                                              decode_cursor(args["cursor"]))
            except ValueError:
                raise cursor_problem() from None
            return page_of(items, args["limit"], lambda t: sort_position(t, query.sort))

        @requires_auth(Capability.MANAGE_TEMPLATES)
        @blueprint.arguments(s.TemplateIn)
        @blueprint.response(201, s.TemplateOut)
        def post(self, body):
            """Create a draft, with or without its milestones and actions."""
            template = use["create_template"](actor(), body)
            return template, etag(template.version)

    @blueprint.route("/templates/<template_id>")
    class OneTemplate(MethodView):
        @requires_auth(Capability.READ)
        @blueprint.response(200, s.TemplateOut)
        def get(self, template_id):
            template = use["get_template"](current_principal().org_id, template_id)
            return template, etag(template.version)

        @requires_auth(Capability.MANAGE_TEMPLATES)
        @blueprint.arguments(s.TemplateDetailsIn)
        @blueprint.response(200, s.TemplateOut)
        def patch(self, body, template_id):
            """Change name, description, duration, segment or tags."""
            template = use["change_details"](actor(), template_id, body, expected_version())
            return template, etag(template.version)

        @requires_auth(Capability.MANAGE_TEMPLATES)
        @blueprint.response(204)
        def delete(self, template_id):
            """Only a template never applied to an account; archive one that was (409)."""
            use["delete_template"](actor(), template_id)

    @blueprint.route("/templates/<template_id>/plan")
    class Plan(MethodView):
        @requires_auth(Capability.MANAGE_TEMPLATES)
        @blueprint.arguments(s.PlanIn)
        @blueprint.response(200, s.TemplateOut)
        def put(self, body, template_id):
            """Save the whole plan at once (the editor's save); ids sent back are kept."""
            template = use["replace_plan"](actor(), template_id, body["milestones"], expected_version())
            return template, etag(template.version)

    _lifecycle_routes(blueprint, use)
    _revision_routes(blueprint, use)
    _file_and_draft_routes(blueprint, use)
    return blueprint


def _lifecycle_routes(blueprint: Blueprint, use) -> None:
    @blueprint.route("/templates/<template_id>/archive", methods=["POST"])
    @requires_auth(Capability.MANAGE_TEMPLATES)
    @blueprint.response(200, s.TemplateOut)
    def archive(template_id):
        """Read-only from now on and offered for no new account; running accounts carry on."""
        template = use["archive_template"](actor(), template_id, expected_version())
        return template, etag(template.version)

    @blueprint.route("/templates/<template_id>/restore", methods=["POST"])
    @requires_auth(Capability.MANAGE_TEMPLATES)
    @blueprint.response(200, s.TemplateOut)
    def restore(template_id):
        template = use["restore_template"](actor(), template_id, expected_version())
        return template, etag(template.version)

    @blueprint.route("/templates/<template_id>/duplicate", methods=["POST"])
    @requires_auth(Capability.MANAGE_TEMPLATES)
    @blueprint.arguments(s.DuplicateIn)
    @blueprint.response(201, s.TemplateOut)
    def duplicate(body, template_id):
        """Copy every milestone and action into a new draft under a new name."""
        copy = use["duplicate_template"](actor(), template_id, body["name"])
        return copy, etag(copy.version)

    @blueprint.route("/templates/<template_id>/publish", methods=["POST"])
    @requires_auth(Capability.MANAGE_TEMPLATES)
    @blueprint.response(201, s.RevisionOut)
    def publish(template_id):
        """Cut the next immutable revision; new accounts are created from it.

        Answers with the template's new ETag: publishing changes its version."""
        template, revision = use["publish_template"](actor(), template_id, expected_version())
        return revision, etag(template.version)


def _revision_routes(blueprint: Blueprint, use) -> None:
    @blueprint.route("/templates/<template_id>/revisions", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.arguments(s.PageArgs, location="query")
    @blueprint.response(200, s.RevisionPage)
    def revisions(args, template_id):
        """Newest first."""
        items = use["list_revisions"](current_principal().org_id, template_id, args["limit"] + 1,
                                      number_cursor(args["cursor"]))
        return page_of(items, args["limit"], lambda r: (str(r.number),))

    @blueprint.route("/templates/<template_id>/revisions/<int(max=2147483647):number>", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.response(200, s.RevisionOut)
    def revision(template_id, number):
        return use["get_revision"](current_principal().org_id, template_id, number)

    @blueprint.route("/templates/<template_id>/diff", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.arguments(s.DiffArgs, location="query")
    @blueprint.response(200)
    def diff(args, template_id):
        """What changed between two revisions: milestones and actions added, removed, changed, moved."""
        return use["compare_revisions"](current_principal().org_id, template_id,
                                        args["from_revision"], args["to_revision"])


def _file_and_draft_routes(blueprint: Blueprint, use) -> None:
    @blueprint.route("/templates/<template_id>/export", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.arguments(s.ExportArgs, location="query")
    @blueprint.response(200)
    def export(args, template_id):
        """The template as a file to share (docs/templates/format.md): the draft or a revision."""
        file = use["export_template"](current_principal().org_id, template_id, args["revision"])
        slug = re.sub(r"[^a-z0-9]+", "-", file["template"]["name"].casefold()).strip("-") or "template"
        return file, {"Content-Disposition": f'attachment; filename="{slug[:80]}.stitch-template.json"'}

    @blueprint.route("/templates/import", methods=["POST"])
    @requires_auth(Capability.MANAGE_TEMPLATES)
    @blueprint.arguments(s.ImportFileIn)
    @blueprint.arguments(s.ImportArgs, location="query")
    @blueprint.response(201, s.TemplateOut)
    def import_file(body, args):
        """A new draft from an exported file."""
        return use["import_template"](actor(), body, args["name"])

    @blueprint.route("/templates/validate", methods=["POST"])
    @requires_auth(Capability.MANAGE_TEMPLATES)
    @blueprint.arguments(s.TemplateIn)
    @blueprint.response(200, s.ValidationOut)
    def validate_document(body):
        """Check a whole document as publishing would, saving nothing: 422 names every problem."""
        return {"valid": True, "template": use["validate_document"](body).document()}

    @blueprint.route("/templates/generate", methods=["POST"])
    @requires_auth(Capability.MANAGE_TEMPLATES)
    @blueprint.arguments(s.GenerateIn)
    @blueprint.response(200, s.GeneratedOut)
    def generate(body):
        """Draft a template from a plain-language description; review it, then POST /templates."""
        return use["generate_template"](body["description"])

    @blueprint.route("/merge-fields", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.response(200, s.MergeFieldsOut)
    def merge_fields():
        """The {{fields}} an action's text may use, and the recipient rules of to/cc/bcc."""
        return {"items": [{"name": n, "description": d} for n, d in MERGE_FIELDS.items()],
                "recipients": [{"name": n, "description": d} for n, d in RECIPIENT_RULES.items()]}
