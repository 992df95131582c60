"""Work across accounts: the review queue, batch commands on actions, and the scheduled actions.

A batch answers 200 with one result per item: each item is the single command (POST
…/accounts/{id}/actions/{action_id}/execute, skip or reschedule) in its own transaction, so
one refused item changes nothing of the others. Triggering or cancelling a scheduled action
answers the account's staff view with its ETag, like the command on the account.
"""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import RAISE

from stitch.accounts.application.workqueue import BatchItem
from stitch.accounts.entrypoints import queue_schemas as q
from stitch.accounts.entrypoints.common_views import caller, expected_version, org_id, shown
from stitch.accounts.entrypoints.schemas import AccountOut
from stitch.common.http.auth import requires_auth
from stitch.common.http.pagination import page_of, time_cursor
from stitch.common.permissions import Capability
from stitch.common.runtime import ServiceRuntime


def queue_blueprint(runtime: ServiceRuntime, prefix: str) -> Blueprint:
    blueprint = Blueprint("work_queue", __name__, url_prefix=prefix,
                          description="The review queue across accounts, batch commands and scheduled actions")
    use = runtime.use_cases
    work, manage = requires_auth(Capability.WORK_ACCOUNTS), requires_auth(Capability.MANAGE_ACCOUNTS)

    def queue_filters(args: dict) -> dict:
        return {"everyone": args["scope"] == "all", "action_type": args["type"], "account_id": args["account_id"]}

    @blueprint.route("/review-queue", methods=["GET"])
    @work
    @blueprint.arguments(q.ReviewQueueArgs, location="query", unknown=RAISE)
    @blueprint.response(200, q.ReviewQueuePage)
    def review_queue(args):
        """Every ready action (drafts to review, held portal tasks) of your accounts, oldest first.

        Yours: you own the account or collaborate on it. scope=all (manage_accounts only) lists every
        account of the organization. Archived accounts are read-only and never listed."""
        org, who = caller()
        items = use["review_queue"](org, who, **queue_filters(args), limit=args["limit"] + 1,
                                    after=time_cursor(args["cursor"]))
        return page_of(items, args["limit"], lambda item: (item.ready_since.isoformat(), item.action_id))

    @blueprint.route("/review-queue/count", methods=["GET"])
    @work
    @blueprint.arguments(q.QueueFilterArgs, location="query", unknown=RAISE)
    @blueprint.response(200, q.CountOut)
    def review_queue_count(args):
        """How many items the review queue holds, for a badge (the same scope and filters)."""
        org, who = caller()
        return {"count": use["review_queue_count"](org, who, **queue_filters(args))}

    def batch(use_case: str, body: dict, **arguments) -> object:
        org, who = caller()
        items = [BatchItem(item["account_id"], item["action_id"]) for item in body["items"]]
        return use[use_case](org, who, items, **arguments)

    @blueprint.route("/actions/batch-execute", methods=["POST"])
    @work
    @blueprint.arguments(q.BatchIn)
    @blueprint.response(200, q.BatchOut)
    def batch_execute(body):
        """Approve ready actions of several accounts: each as POST …/actions/{action_id}/execute."""
        return batch("batch_execute", body)

    @blueprint.route("/actions/batch-skip", methods=["POST"])
    @work
    @blueprint.arguments(q.BatchSkipIn)
    @blueprint.response(200, q.BatchOut)
    def batch_skip(body):
        """Skip open actions of several accounts, with one reason: each as POST …/actions/{action_id}/skip."""
        return batch("batch_skip", body, reason=body["reason"])

    @blueprint.route("/actions/batch-reschedule", methods=["POST"])
    @work
    @blueprint.arguments(q.BatchRescheduleIn)
    @blueprint.response(200, q.BatchOut)
    def batch_reschedule(body):
        """Give pending start-triggered actions a new delay_hours or an exact time (at): each as
        POST …/actions/{action_id}/reschedule."""
        return batch("batch_reschedule", body, delay_hours=body["delay_hours"], at=body["at"])

    @blueprint.route("/scheduled-actions", methods=["GET"])
    @manage
    @blueprint.arguments(q.ScheduledArgs, location="query", unknown=RAISE)
    @blueprint.response(200, q.ScheduledPage)
    def scheduled_actions(args):
        """Every scheduled action of the organization's accounts (archived ones aside), soonest first."""
        items = use["scheduled_actions"](org_id(), due_after=args["after"], due_before=args["before"],
                                         account_id=args["account_id"], limit=args["limit"] + 1,
                                         after=time_cursor(args["cursor"]))
        return page_of(items, args["limit"], lambda item: (item.due_at.isoformat(), item.action_id))

    @blueprint.route("/scheduled-actions/<action_id>/trigger", methods=["POST"])
    @manage
    @blueprint.response(200, AccountOut)
    def trigger(action_id):
        """Fire a scheduled action now (a message gets its draft to review); 409 action.not_scheduled
        when it is not scheduled any more. Answers its account; If-Match names the account's version."""
        org, who = caller()
        return shown(use["trigger_scheduled_action"](org, who, action_id, expected_version=expected_version()))

    @blueprint.route("/scheduled-actions/<action_id>/cancel", methods=["POST"])
    @manage
    @blueprint.arguments(q.CancelIn)
    @blueprint.response(200, AccountOut)
    def cancel(body, action_id):
        """Skip a scheduled action before its time; 409 action.not_scheduled when it is not scheduled any
        more. Answers its account; If-Match names the account's version."""
        org, who = caller()
        return shown(use["cancel_scheduled_action"](org, who, action_id, body["reason"],
                                                    expected_version=expected_version()))

    return blueprint
