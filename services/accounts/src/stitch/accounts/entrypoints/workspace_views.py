"""The CSM's workspace on one account: the implementation view (what to do next, action by
action) and the timeline (milestones against their dates). Both read the account as it stands,
with the service clock's now, and carry its version as the ETag a later command sends back."""

from __future__ import annotations

from flask_smorest import Blueprint

from stitch.accounts.domain.ownership import Access
from stitch.accounts.entrypoints.common_views import caller, etag, org_id
from stitch.accounts.entrypoints.workspace_schemas import ImplementationOut, TimelineOut, implementation_of, timeline_of
from stitch.common.http.auth import current_principal, requires_auth
from stitch.common.permissions import Capability
from stitch.common.runtime import ServiceRuntime


def workspace_blueprint(runtime: ServiceRuntime, prefix: str) -> Blueprint:
    blueprint = Blueprint("account_workspace", __name__, url_prefix=f"{prefix}/accounts/<account_id>",
                          description="An account's implementation view and timeline")
    use = runtime.use_cases

    @blueprint.route("/implementation", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.response(200, ImplementationOut)
    def implementation(account_id):
        """Actions grouped by milestone: state, countdown of scheduled ones, draft preview, warnings,
        the last error in plain words, and the operations that make sense now; with the caller's
        access to the account (own, collaborate or read)."""
        org, who = caller()
        account, now = use["account_now"](org, account_id)
        works = current_principal().can(Capability.WORK_ACCOUNTS)  # a viewer or an AE only reads
        access = account.access_for(who.user_id, sees_all=who.sees_all) if works else Access.NONE
        return implementation_of(account, now, access), etag(account.version)

    @blueprint.route("/timeline", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.response(200, TimelineOut)
    def timeline(account_id):
        """Milestones in order with planned and actual dates, state, block note, lateness and progress."""
        account, now = use["account_now"](org_id(), account_id)
        return timeline_of(account, now), etag(account.version)

    return blueprint
