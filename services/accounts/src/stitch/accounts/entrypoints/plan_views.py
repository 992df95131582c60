"""An account's plan: apply a template, move milestones, and change its action definitions.

Changes here are this account's only: the template and its revisions stay as they are.
"""

from __future__ import annotations

from flask_smorest import Blueprint

from stitch.accounts.entrypoints import schemas as s
from stitch.accounts.entrypoints.common_views import caller, command, expected_version, shown
from stitch.common.http.auth import requires_auth
from stitch.common.permissions import Capability
from stitch.common.runtime import ServiceRuntime


def plan_blueprint(runtime: ServiceRuntime, prefix: str) -> Blueprint:
    blueprint = Blueprint("account_plan", __name__, url_prefix=f"{prefix}/accounts/<account_id>",
                          description="An account's milestones and the definitions of its actions")
    use = runtime.use_cases
    work = requires_auth(Capability.WORK_ACCOUNTS)

    @blueprint.route("/template", methods=["POST"])
    @work
    @blueprint.arguments(s.ApplyTemplateIn)
    @blueprint.response(200, s.AccountOut)
    def apply_template(body, account_id):
        """Copy a published revision into the account. Reapplying resets the plan: confirm_reset (else 409)."""
        return command(use["apply_template"], account_id, body["template_id"], body["revision_id"],
                       confirm_reset=body["confirm_reset"])

    @blueprint.route("/milestones/<milestone_id>/start", methods=["POST"])
    @work
    @blueprint.response(200, s.AccountOut)
    def start_milestone(account_id, milestone_id):
        """Its start-triggered actions fire now (delay 0) or are scheduled for start + delay."""
        return command(use["start_milestone"], account_id, milestone_id)

    @blueprint.route("/milestones/<milestone_id>/complete", methods=["POST"])
    @work
    @blueprint.response(200, s.AccountOut)
    def complete_milestone(account_id, milestone_id):
        """Needs every blocker action done (409 names those open); the next milestone starts."""
        return command(use["complete_milestone"], account_id, milestone_id)

    @blueprint.route("/milestones/<milestone_id>/block", methods=["POST"])
    @work
    @blueprint.arguments(s.BlockIn)
    @blueprint.response(200, s.AccountOut)
    def block_milestone(body, account_id, milestone_id):
        return command(use["block_milestone"], account_id, milestone_id, body["note"])

    @blueprint.route("/milestones/<milestone_id>/unblock", methods=["POST"])
    @work
    @blueprint.response(200, s.AccountOut)
    def unblock_milestone(account_id, milestone_id):
        """Back to the state it was blocked in."""
        return command(use["unblock_milestone"], account_id, milestone_id)

    @blueprint.route("/milestones/<milestone_id>/actions", methods=["POST"])
    @work
    @blueprint.arguments(s.ActionIn)
    @blueprint.response(201, s.AccountOut, description="the account; Location names the new action")
    def add_action(body, account_id, milestone_id):
        """Add an action to this account only; on a started milestone a start-triggered one is armed at once."""
        org, who = caller()
        action_id, account = use["add_action"](org, account_id, who, milestone_id, body,
                                               expected_version=expected_version())
        return shown(account, 201, {"Location": f"{prefix}/accounts/{account.id}/actions/{action_id}"})

    @blueprint.route("/actions/<action_id>", methods=["PATCH"])
    @work
    @blueprint.arguments(s.ActionChangeIn)
    @blueprint.response(200, s.AccountOut)
    def edit_action(body, account_id, action_id):
        """A pending action's definition; keys sent replace the current ones (trigger, visibility and
        content whole). A ready action's message is changed with PATCH …/draft instead."""
        return command(use["edit_action"], account_id, action_id, body)

    @blueprint.route("/actions/<action_id>", methods=["DELETE"])
    @work
    @blueprint.response(200, s.AccountOut, description="the account without the action")
    def remove_action(account_id, action_id):
        """Not once it reached the customer (409): skip it instead."""
        return command(use["remove_action"], account_id, action_id)

    return blueprint
