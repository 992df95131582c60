"""CSM pools: admins keep them; accounts are assigned from them one at a time or in bulk.

A pool answers with its version as the ETag; PATCH and DELETE take If-Match. Assigning moves the
round-robin turn without a new version: it is not an edit of the pool.
"""

from __future__ import annotations

from flask_smorest import Blueprint

from stitch.accounts.entrypoints import pool_schemas as p
from stitch.accounts.entrypoints import schemas as s
from stitch.accounts.entrypoints.common_views import caller, command, etag, expected_version, org_id
from stitch.common.http.auth import requires_auth
from stitch.common.http.pagination import PageArgs, cursor_problem, decode_cursor, page_of
from stitch.common.permissions import Capability
from stitch.common.runtime import ServiceRuntime


def pools_blueprint(runtime: ServiceRuntime, prefix: str) -> Blueprint:
    blueprint = Blueprint("pools", __name__, url_prefix=prefix,
                          description="CSM pools: named groups of CSMs that accounts are assigned from by a rule")
    use = runtime.use_cases
    manage = requires_auth(Capability.MANAGE_ACCOUNTS)

    @blueprint.route("/pools", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.arguments(PageArgs, location="query")
    @blueprint.response(200, p.PoolPage)
    def list_pools(page):
        """The organization's pools by name, each member with their active accounts now."""
        after = decode_cursor(page["cursor"])
        if after is not None and len(after) != 2:
            raise cursor_problem()
        pools = use["list_pools"](org_id(), page["limit"] + 1, after)
        return page_of(pools, page["limit"], lambda view: (view.pool.key, view.pool.id))

    @blueprint.route("/pools", methods=["POST"])
    @manage
    @blueprint.arguments(p.PoolIn)
    @blueprint.response(201, p.PoolOut, description="created; Location names it")
    def create_pool(body):
        """Members must be active CSMs or admins of the organization; the name is unique (409
        pool.name_taken)."""
        view = use["create_pool"](org_id(), body)
        return view, 201, {**etag(view.pool.version), "Location": f"{prefix}/pools/{view.pool.id}"}

    @blueprint.route("/pools/<pool_id>", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.response(200, p.PoolOut)
    def read_pool(pool_id):
        view = use["get_pool"](org_id(), pool_id)
        return view, etag(view.pool.version)

    @blueprint.route("/pools/<pool_id>", methods=["PATCH"])
    @manage
    @blueprint.arguments(p.PoolChangeIn)
    @blueprint.response(200, p.PoolOut)
    def change_pool(body, pool_id):
        """The keys sent replace the pool's. The member whose turn it is keeps it if they stay."""
        view = use["change_pool"](org_id(), pool_id, body, expected_version=expected_version())
        return view, etag(view.pool.version)

    @blueprint.route("/pools/<pool_id>", methods=["DELETE"])
    @manage
    @blueprint.response(204)
    def delete_pool(pool_id):
        """Accounts assigned from it keep their owner."""
        use["delete_pool"](org_id(), pool_id, expected_version=expected_version())

    @blueprint.route("/pools/<pool_id>/assign", methods=["POST"])
    @manage
    @blueprint.arguments(p.BulkAssignIn)
    @blueprint.response(200, p.BulkAssignOut)
    def assign_many(body, pool_id):
        """Assign each account, in the order given, by the pool's rule, in one transaction.

        Accounts nobody can take are the overflow; accounts that already have an owner are refused
        (account.already_owned) unless reassign is true; neither stops the others."""
        org, who = caller()
        return use["assign_many_from_pool"](org, pool_id, who, body["account_ids"], reassign=body["reassign"])

    @blueprint.route("/accounts/<account_id>/assign-from-pool", methods=["POST"])
    @requires_auth(Capability.WORK_ACCOUNTS)
    @blueprint.arguments(p.AssignFromPoolIn)
    @blueprint.response(200, s.AccountOut)
    def assign_from_pool(body, account_id):
        """Make the member the pool's rule chooses the owner (whoever may change the owner may do it);
        409 pool.full, naming the pool, when nobody in it can take the account."""
        return command(use["assign_from_pool"], account_id, body["pool_id"], note=body["note"])

    return blueprint
