"""The delivery log (what was sent, to whom, when, what came of it) and the Slack channel per account."""

from __future__ import annotations

from flask_smorest import Blueprint

from stitch.common.http.auth import current_principal, requires_auth
from stitch.common.http.pagination import page_of, time_cursor
from stitch.common.permissions import Capability
from stitch.common.runtime import ServiceRuntime
from stitch.connectors.application.log import FILTERS
from stitch.connectors.entrypoints.schemas import (
    AccountChannelIn,
    AccountChannelList,
    AccountChannelOut,
    DeliveryArgs,
    DeliveryDetailOut,
    DeliveryPage,
    delivery_view,
)



def deliveries_blueprint(runtime: ServiceRuntime, prefix: str) -> Blueprint:
    blueprint = Blueprint("deliveries", __name__, url_prefix=prefix,
                          description="The delivery log and where Slack messages go")
    use = runtime.use_cases

    @blueprint.route("/deliveries", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.arguments(DeliveryArgs, location="query", unknown="raise")
    @blueprint.response(200, DeliveryPage)
    def list_deliveries(args):
        """Newest first; filter by channel, status, kind, account or action."""
        filters = {name: args[name] for name in FILTERS if args.get(name)}
        found = use["deliveries"](current_principal().org_id, filters, args["limit"], time_cursor(args["cursor"]))
        page = page_of(found, args["limit"], lambda d: (d.requested_at.isoformat(), d.id))
        return {**page, "items": [delivery_view(d) for d in page["items"]]}

    @blueprint.route("/deliveries/<delivery_id>", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.response(200, DeliveryDetailOut)
    def get_delivery(delivery_id):
        """One delivery with what was sent and every attempt."""
        return delivery_view(use["delivery"](current_principal().org_id, delivery_id), detail=True)

    @blueprint.route("/slack/account-channels", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.response(200, AccountChannelList)
    def list_account_channels():
        """The Slack channel each account's messages go to (where set)."""
        channels = use["account_channels"](current_principal().org_id)
        return {"items": [{"account_id": a, "channel": c} for a, c in sorted(channels.items())]}

    @blueprint.route("/slack/account-channels/<account_id>", methods=["PUT"])
    @requires_auth(Capability.WORK_ACCOUNTS)
    @blueprint.arguments(AccountChannelIn)
    @blueprint.response(200, AccountChannelOut)
    def set_account_channel(body, account_id):
        """Where this account's Slack messages go ("account_channel" in its actions)."""
        principal = current_principal()
        use["set_account_channel"](principal.org_id, principal.subject, account_id, body["channel"])
        return {"account_id": account_id, "channel": body["channel"]}

    @blueprint.route("/slack/account-channels/<account_id>", methods=["DELETE"])
    @requires_auth(Capability.WORK_ACCOUNTS)
    @blueprint.response(204)
    def clear_account_channel(account_id):
        """The account's messages go to the workspace's default channel again."""
        use["clear_account_channel"](current_principal().org_id, account_id)
        return ""

    return blueprint
