"""Accounts: create (one per deal), read the staff view, describe, own, archive, contacts.

Every answer that shows an account carries its version as the ETag; every write takes If-Match.
"""

from __future__ import annotations

from flask_smorest import Blueprint

from stitch.accounts.application.accounts import NewAccount
from stitch.accounts.domain.account import DETAIL_FIELDS
from stitch.accounts.entrypoints import schemas as s
from stitch.accounts.entrypoints.common_views import caller, command, expected_version, org_id, shown
from stitch.common.http.auth import requires_auth
from stitch.common.permissions import Capability
from stitch.common.runtime import ServiceRuntime

EXISTING = "Stitch-Existing"


def accounts_blueprint(runtime: ServiceRuntime, prefix: str) -> Blueprint:
    blueprint = Blueprint("accounts", __name__, url_prefix=f"{prefix}/accounts",
                          description="Accounts being onboarded: details, status, owner and contacts")
    use = runtime.use_cases
    work = requires_auth(Capability.WORK_ACCOUNTS)

    @blueprint.route("", methods=["POST"])
    @work
    @blueprint.arguments(s.AccountIn)
    @blueprint.response(201, s.AccountOut, description="created; Location names it")
    @blueprint.alt_response(200, schema=s.AccountOut, description=(
        f"the deal (crm_source + external_id) already has an account: that one, unchanged, with the header "
        f"{EXISTING}: true (send allow_duplicate: true for a second one)"))
    def create(body):
        """Create an account, its contacts and (given template_id) its plan."""
        org, who = caller()
        new = NewAccount(details={key: body[key] for key in DETAIL_FIELDS if key in body},
                         contacts=tuple(body["contacts"]), template_id=body.get("template_id"),
                         revision_id=body.get("revision_id"), csm_id=body.get("csm_id"),
                         allow_duplicate=body["allow_duplicate"])
        account, created = use["create_account"](org, who, new)
        if created:
            return shown(account, 201, {"Location": f"{prefix}/accounts/{account.id}"})
        return shown(account, 200, {EXISTING: "true"})

    @blueprint.route("/<account_id>", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.response(200, s.AccountOut)
    def read(account_id):
        """The staff view: details, notes, contacts, milestones and actions with what each allows now."""
        return shown(use["get_account"](org_id(), account_id))

    @blueprint.route("/<account_id>", methods=["PATCH"])
    @work
    @blueprint.arguments(s.DetailsIn)
    @blueprint.response(200, s.AccountOut)
    def change_details(body, account_id):
        """The keys sent replace the account's; null clears arr, close_date, ae_email or the CRM link."""
        return command(use["change_details"], account_id, body)

    @blueprint.route("/<account_id>/status", methods=["POST"])
    @work
    @blueprint.arguments(s.StatusIn)
    @blueprint.response(200, s.AccountOut)
    def set_status(body, account_id):
        return command(use["set_status"], account_id, body["status"])

    @blueprint.route("/<account_id>/csm", methods=["POST"])
    @work
    @blueprint.arguments(s.CsmIn)
    @blueprint.response(200, s.AccountOut)
    def assign_csm(body, account_id):
        """Make an active CSM or admin of the organization the account's owner, or transfer it.

        The owner, an admin, or anyone while the account has no owner may do it. A note says why
        (internal history only); the new owner stops being a collaborator."""
        return command(use["assign_csm"], account_id, body["csm_id"], note=body["note"],
                       keep_previous=body["keep_previous_as_collaborator"])

    @blueprint.route("/<account_id>/collaborators", methods=["POST"])
    @work
    @blueprint.arguments(s.CollaboratorIn)
    @blueprint.response(200, s.AccountOut)
    def add_collaborator(body, account_id):
        """A teammate who may view the account, work its actions and add notes (the owner or an admin
        adds them). Adding someone already there changes nothing."""
        return command(use["add_collaborator"], account_id, body["user_id"])

    @blueprint.route("/<account_id>/collaborators/<user_id>", methods=["DELETE"])
    @work
    @blueprint.response(200, s.AccountOut)
    def remove_collaborator(account_id, user_id):
        """The owner or an admin removes a collaborator; a collaborator may leave on their own."""
        return command(use["remove_collaborator"], account_id, user_id)

    @blueprint.route("/<account_id>/archive", methods=["POST"])
    @work
    @blueprint.arguments(s.ReasonIn)
    @blueprint.response(200, s.AccountOut)
    def archive(body, account_id):
        """Read-only from now on; nothing scheduled fires until it is unarchived."""
        return command(use["archive"], account_id, body["reason"])

    @blueprint.route("/<account_id>/unarchive", methods=["POST"])
    @work
    @blueprint.arguments(s.ReasonIn)
    @blueprint.response(200, s.AccountOut)
    def unarchive(body, account_id):
        return command(use["unarchive"], account_id, body["reason"])

    @blueprint.route("/<account_id>/contacts", methods=["POST"])
    @work
    @blueprint.arguments(s.ContactIn)
    @blueprint.response(201, s.AccountOut, description="the account; Location names the new contact")
    def add_contact(body, account_id):
        org, who = caller()
        contact, account = use["add_contact"](org, account_id, who, body, expected_version=expected_version())
        return shown(account, 201, {"Location": f"{prefix}/accounts/{account.id}/contacts/{contact.id}"})

    @blueprint.route("/<account_id>/contacts/<contact_id>", methods=["PATCH"])
    @work
    @blueprint.arguments(s.ContactChangeIn)
    @blueprint.response(200, s.AccountOut)
    def change_contact(body, account_id, contact_id):
        """is_primary: true moves the primary role here; an account always keeps one primary contact."""
        return command(use["change_contact"], account_id, contact_id, body)

    return blueprint
