"""An account's history: every change, who made it and when, oldest first, a page at a time, each
entry also in plain words (history_text.py)."""

from __future__ import annotations

import dataclasses

from flask_smorest import Blueprint

from stitch.accounts.entrypoints import schemas as s
from stitch.accounts.entrypoints.common_views import org_id
from stitch.accounts.entrypoints.history_text import labels_of, sentence
from stitch.common.http.auth import requires_auth
from stitch.common.http.pagination import PageArgs, number_cursor, page_of
from stitch.common.permissions import Capability
from stitch.common.runtime import ServiceRuntime


def history_blueprint(runtime: ServiceRuntime, prefix: str) -> Blueprint:
    blueprint = Blueprint("account_history", __name__, url_prefix=f"{prefix}/accounts/<account_id>",
                          description="What happened to an account and its actions")
    use = runtime.use_cases

    def page(account_id: str, action_id: str | None, args: dict) -> dict:
        org = org_id()
        entries = use["history"](org, account_id, action_id, args["limit"] + 1, number_cursor(args["cursor"]))
        shown = page_of(entries, args["limit"], lambda entry: (str(entry.number),))
        labels = labels_of(use["get_account"](org, account_id))  # names as the account has them now
        return {**shown, "items": [{**dataclasses.asdict(entry), "text": sentence(entry, labels)}
                                   for entry in shown["items"]]}

    @blueprint.route("/history", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.arguments(PageArgs, location="query")
    @blueprint.response(200, s.HistoryPage)
    def account_history(args, account_id):
        return page(account_id, None, args)

    @blueprint.route("/actions/<action_id>/history", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.arguments(PageArgs, location="query")
    @blueprint.response(200, s.HistoryPage)
    def action_history(args, account_id, action_id):
        """One action's entries: drafts written and edited, approvals, deliveries and failures."""
        return page(account_id, action_id, args)

    return blueprint
