"""The accounts list (filters, sorts, cursor pages) and its counts per status for the filter bar.

Everyone who reads accounts sees every account of the organization (docs/adr/0006-csm-workspace.md);
``mine=true`` narrows the list to the caller's own and collaborations.
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import RAISE

from stitch.accounts.application.listing import AccountFilters, ListOrder, position_from_parts, position_parts
from stitch.accounts.entrypoints import list_schemas as s
from stitch.accounts.entrypoints.common_views import actor
from stitch.common.http.auth import requires_auth
from stitch.common.http.pagination import decode_cursor, page_of
from stitch.common.http.problems import Problem
from stitch.common.permissions import Capability
from stitch.common.runtime import ServiceRuntime

OTHER_ORDER = "made for another sort or order (or not by this API): drop it to start from the first page"


def list_blueprint(runtime: ServiceRuntime, prefix: str) -> Blueprint:
    # Registered before the accounts blueprint; /accounts/counts is a static rule, which Werkzeug
    # matches before /accounts/<account_id> whatever the order.
    blueprint = Blueprint("account_list", __name__, url_prefix=f"{prefix}/accounts",
                          description="The accounts list: filters, sorts, pages and counts per status")
    use = runtime.use_cases

    @blueprint.route("", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.arguments(s.AccountListArgs, location="query", unknown=RAISE)  # a typo must not widen a list
    @blueprint.response(200, s.AccountListPage)
    def list_accounts(args):
        """The organization's accounts, a page at a time, filtered and sorted (archived ones hidden
        unless asked for). Filters may not change between the pages of one walk."""
        org, who = actor()
        order = ListOrder(args["sort"], descending=args["order"] == "desc")
        parts = decode_cursor(args["cursor"])
        try:
            after = position_from_parts(order, parts) if parts is not None else None
        except ValueError:
            raise Problem(422, "Request is not valid", f"query.cursor: {OTHER_ORDER}",
                          errors=[{"name": "query.cursor", "reason": OTHER_ORDER}]) from None
        items = use["list_accounts"](org, who, filters_of(args), order, args["limit"] + 1, after)
        return page_of(items, args["limit"], lambda item: position_parts(order, item.position))

    @blueprint.route("/counts", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.arguments(s.AccountListArgs, location="query", unknown=RAISE)
    @blueprint.response(200, s.StatusCountsOut)
    def count_accounts(args):
        """How many accounts each status would show with the other filters as given: send the list's
        own query string (status, sort, order, limit and cursor are ignored here)."""
        org, who = actor()
        return use["count_accounts"](org, who, filters_of(args))

    return blueprint


def filters_of(args: dict[str, Any]) -> AccountFilters:
    return AccountFilters(
        statuses=frozenset(args["status"]), milestone=args["milestone"], next_action=args["next_action"],
        tz=args["tz"], arr_min=args["arr_min"], arr_max=args["arr_max"], csm_id=args["csm_id"], mine=args["mine"],
        template_id=args["template_id"], archived=args["archived"], text=args["q"])
