"""A draft's milestones and actions, one at a time. Each answer carries the template's new ETag."""

from __future__ import annotations

from flask_smorest import Blueprint

from stitch.common.http.auth import requires_auth
from stitch.common.permissions import Capability
from stitch.common.runtime import ServiceRuntime
from stitch.templates.entrypoints import schemas as s
from stitch.templates.entrypoints.support import actor, etag, expected_version


def plan_blueprint(runtime: ServiceRuntime, prefix: str) -> Blueprint:
    blueprint = Blueprint("template_plan", __name__, url_prefix=f"{prefix}/templates/<template_id>",
                          description="Milestones and actions of a template draft")
    use = runtime.use_cases
    manage = requires_auth(Capability.MANAGE_TEMPLATES)

    def answer(result):
        template, item = result
        return item, etag(template.version)

    def template_answer(template):
        return template, etag(template.version)

    @blueprint.route("/milestones", methods=["POST"])
    @manage
    @blueprint.arguments(s.MilestoneIn)
    @blueprint.response(201, s.MilestoneOut)
    def add_milestone(body, template_id):
        position = body.pop("position")
        return answer(use["add_milestone"](actor(), template_id, body, position, expected_version()))

    @blueprint.route("/milestones/<milestone_id>", methods=["PATCH"])
    @manage
    @blueprint.arguments(s.MilestoneChangeIn)
    @blueprint.response(200, s.MilestoneOut)
    def change_milestone(body, template_id, milestone_id):
        return answer(use["change_milestone"](actor(), template_id, milestone_id, body, expected_version()))

    @blueprint.route("/milestones/<milestone_id>", methods=["DELETE"])
    @manage
    @blueprint.response(204)
    def remove_milestone(template_id, milestone_id):
        """Removes the milestone with its actions."""
        template = use["remove_milestone"](actor(), template_id, milestone_id, expected_version())
        return "", 204, etag(template.version)

    @blueprint.route("/milestone-order", methods=["PUT"])
    @manage
    @blueprint.arguments(s.OrderIn)
    @blueprint.response(200, s.TemplateOut)
    def reorder_milestones(body, template_id):
        """Milestones run strictly in this order."""
        return template_answer(use["reorder_milestones"](actor(), template_id, body["ids"], expected_version()))

    @blueprint.route("/milestones/<milestone_id>/actions", methods=["POST"])
    @manage
    @blueprint.arguments(s.ActionIn)
    @blueprint.response(201, s.ActionOut)
    def add_action(body, template_id, milestone_id):
        position = body.pop("position")
        return answer(use["add_action"](actor(), template_id, milestone_id, body, position, expected_version()))

    @blueprint.route("/milestones/<milestone_id>/action-order", methods=["PUT"])
    @manage
    @blueprint.arguments(s.OrderIn)
    @blueprint.response(200, s.TemplateOut)
    def reorder_actions(body, template_id, milestone_id):
        return template_answer(use["reorder_actions"](actor(), template_id, milestone_id, body["ids"],
                                                      expected_version()))

    @blueprint.route("/actions/<action_id>", methods=["PATCH"])
    @manage
    @blueprint.arguments(s.ActionChangeIn)
    @blueprint.response(200, s.ActionOut)
    def change_action(body, template_id, action_id):
        """Fields sent replace the current ones; trigger, visibility and content are replaced whole."""
        return answer(use["change_action"](actor(), template_id, action_id, body, expected_version()))

    @blueprint.route("/actions/<action_id>", methods=["DELETE"])
    @manage
    @blueprint.response(204)
    def remove_action(template_id, action_id):
        template = use["remove_action"](actor(), template_id, action_id, expected_version())
        return "", 204, etag(template.version)

    @blueprint.route("/actions/<action_id>/move", methods=["POST"])
    @manage
    @blueprint.arguments(s.MoveIn)
    @blueprint.response(200, s.TemplateOut)
    def move_action(body, template_id, action_id):
        """To another milestone (or another place in its own)."""
        return template_answer(use["move_action"](actor(), template_id, action_id, body["milestone_id"],
                                                  body["position"], expected_version()))

    return blueprint
