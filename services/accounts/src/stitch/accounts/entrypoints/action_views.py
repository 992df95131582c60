"""Acting on an account's actions: start, review the draft, execute, complete, skip, reschedule.

Nothing reaches a customer without a person's POST …/execute, unless the organization allows
auto-send for the action's type (GET /settings).
"""

from __future__ import annotations

from flask_smorest import Blueprint

from stitch.accounts.domain.errors import InvalidInput, Violation
from stitch.accounts.entrypoints import schemas as s
from stitch.accounts.entrypoints.common_views import command
from stitch.common.http.auth import requires_auth
from stitch.common.permissions import Capability
from stitch.common.runtime import ServiceRuntime


def actions_blueprint(runtime: ServiceRuntime, prefix: str) -> Blueprint:
    blueprint = Blueprint("account_actions", __name__, url_prefix=f"{prefix}/accounts/<account_id>/actions",
                          description="The action state machine: pending → ready → executing → executed → completed")
    use = runtime.use_cases
    work = requires_auth(Capability.WORK_ACCOUNTS)

    @blueprint.route("/<action_id>/start", methods=["POST"])
    @work
    @blueprint.response(200, s.AccountOut)
    def start(account_id, action_id):
        """Fire a pending action now: a manual one, or a scheduled one ahead of its time ("execute now").
        A message gets a draft to review; a portal task is published (or held, if the org reviews them)."""
        return command(use["start_action"], account_id, action_id)

    @blueprint.route("/<action_id>/execute", methods=["POST"])
    @work
    @blueprint.response(200, s.AccountOut)
    def execute(account_id, action_id):
        """Approve a ready action: a message goes out for delivery (executing); a held task is published."""
        return command(use["execute_action"], account_id, action_id)

    @blueprint.route("/<action_id>/complete", methods=["POST"])
    @work
    @blueprint.response(200, s.AccountOut)
    def complete(account_id, action_id):
        """Mark an executed action done, or a ready Slack message or meeting that was done outside Stitch."""
        return command(use["mark_action_done"], account_id, action_id)

    @blueprint.route("/<action_id>/skip", methods=["POST"])
    @work
    @blueprint.arguments(s.SkipIn)
    @blueprint.response(200, s.AccountOut)
    def skip(body, account_id, action_id):
        return command(use["skip_action"], account_id, action_id, reason=body["reason"])

    @blueprint.route("/<action_id>/redraft", methods=["POST"])
    @work
    @blueprint.arguments(s.RedraftIn)
    @blueprint.response(200, s.AccountOut)
    def redraft(body, account_id, action_id):
        """Ask for a new draft of a ready message (review_pending until it is written)."""
        return command(use["request_new_draft"], account_id, action_id, instructions=body["instructions"])

    @blueprint.route("/<action_id>/reschedule", methods=["POST"])
    @work
    @blueprint.arguments(s.RescheduleIn)
    @blueprint.response(200, s.AccountOut)
    def reschedule(body, account_id, action_id):
        """A pending start-triggered action: a new delay_hours after the milestone's start, or an exact time
        (at). Give one of the two."""
        return command(use["reschedule_action"], account_id, action_id, delay_hours=body["delay_hours"],
                       at=body["at"])

    @blueprint.route("/<action_id>/draft", methods=["PATCH"])
    @work
    @blueprint.arguments(s.DraftIn)
    @blueprint.response(200, s.AccountOut)
    def edit_draft(body, account_id, action_id):
        """Change a ready draft: only the fields of the action's type (email, Slack message or meeting)."""
        try:
            return command(use["edit_draft"], account_id, action_id, body)
        except InvalidInput as invalid:
            # The domain names draft fields "draft.<key>"; this body has them at its top level.
            raise InvalidInput([Violation(v.path.removeprefix("draft."), v.rule)
                                for v in invalid.violations]) from None

    return blueprint
