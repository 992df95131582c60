"""The gateway's own staff API: the caller's organization, its users, API keys and domains.

Everything is scoped to the token's org: an id of another org's user or key answers 404, the
same as one that never existed.
"""

from __future__ import annotations

import dataclasses

from flask.views import MethodView
from flask_smorest import Blueprint

from stitch.common.http.auth import current_principal, requires_auth
from stitch.common.http.pagination import PageArgs, decode_cursor, page_of
from stitch.common.http.problems import Problem
from stitch.common.permissions import Capability
from stitch.common.runtime import ServiceRuntime
from stitch.gateway.domain.profile import notification_preferences
from stitch.gateway.entrypoints import schemas as s
from stitch.gateway.entrypoints.rate_limits import RateLimits


def _found(item, what: str):
    if item is None:
        raise Problem(404, "Not Found", f"no such {what}")
    return item


def blueprint(runtime: ServiceRuntime, prefix: str, limits: RateLimits) -> Blueprint:
    bp = Blueprint("identity", __name__, url_prefix=prefix, description="Organization, users, API keys, domains")
    use = runtime.use_cases

    @bp.route("/organization")
    class OrganizationView(MethodView):
        @requires_auth(Capability.READ)
        @bp.response(200, s.OrganizationOut)
        def get(self):
            """The caller's organization."""
            return _found(use["get_organization"](current_principal().org_id), "organization")

        @requires_auth(Capability.MANAGE_SETTINGS)
        @bp.arguments(s.OrganizationPatch)
        @bp.response(200, s.OrganizationOut)
        def patch(self, body):
            """Rename the organization or change its settings."""
            return _found(use["update_organization"](current_principal().org_id, **body), "organization")

    @bp.route("/me")
    class Me(MethodView):
        @requires_auth()
        @bp.response(200, s.ProfileOut)
        def get(self):
            """The signed-in user, with their profile and notification preferences."""
            principal = current_principal()
            return _profile(_found(use["get_user"](principal.org_id, principal.subject), "user"))

        @requires_auth()
        @bp.arguments(s.ProfilePatch)
        @bp.response(200, s.ProfileOut)
        def patch(self, body):
            """Change your own name, title, avatar, time zone or notification preferences."""
            principal = current_principal()
            return _profile(_found(use["update_profile"](principal.org_id, principal.subject, **body), "user"))

    @bp.route("/me/password")
    class MyPassword(MethodView):
        @limits.password_change
        @requires_auth()
        @bp.arguments(s.PasswordChangeIn)
        @bp.response(204)
        @bp.alt_response(403, description="the current password is not correct")
        def post(self, body):
            """Change your password (the current one is required); every session ends."""
            principal = current_principal()
            changed = use["change_password"](principal.org_id, principal.subject, body["current_password"],
                                             body["new_password"])
            if not _found(changed, "user"):
                raise Problem(403, "Forbidden", "the current password is not correct")

    @bp.route("/users")
    class UsersView(MethodView):
        @requires_auth(Capability.READ)
        @bp.arguments(PageArgs, location="query")
        @bp.response(200, s.UserPage)
        def get(self, page):
            """The organization's staff users, by email."""
            after = decode_cursor(page["cursor"])
            items = use["list_users"](current_principal().org_id, page["limit"] + 1, after[0] if after else None)
            return page_of(items, page["limit"], lambda u: (u.email,))

    @bp.route("/users/<user_id>")
    class UserView(MethodView):
        @requires_auth(Capability.READ)
        @bp.response(200, s.UserOut)
        def get(self, user_id):
            """One staff user."""
            return _found(use["get_user"](current_principal().org_id, user_id), "user")

        @requires_auth(Capability.MANAGE_USERS)
        @bp.arguments(s.UserPatch)
        @bp.response(200, s.UserOut)
        def patch(self, body, user_id):
            """Change a user's name or role (the organization always keeps an active admin)."""
            return _found(use["update_user"](current_principal().org_id, user_id, **body), "user")

    @bp.route("/users/<user_id>/deactivate")
    class DeactivateUser(MethodView):
        @requires_auth(Capability.MANAGE_USERS)
        @bp.response(200, s.UserOut)
        def post(self, user_id):
            """Deactivate a user: they cannot sign in, and every session of theirs ends."""
            return _found(use["deactivate_user"](current_principal().org_id, user_id), "user")

    @bp.route("/invitations")
    class InvitationsView(MethodView):
        @requires_auth(Capability.MANAGE_USERS)
        @bp.response(200, s.InvitationList)
        def get(self):
            """Invitations not yet accepted: pending, and expired ones that can be resent."""
            return {"items": [_invitation(i) for i in use["list_invitations"](current_principal().org_id)]}

        @limits.invitations
        @requires_auth(Capability.MANAGE_USERS)
        @bp.arguments(s.InvitationIn)
        @bp.response(201, s.InvitationOut)
        def post(self, body):
            """Invite a teammate by email with a role; they get a mail with a link to accept."""
            principal = current_principal()
            return _invitation(use["invite"](principal.org_id, principal.subject, body["email"], body["role"]))

    @bp.route("/invitations/<invitation_id>")
    class InvitationView(MethodView):
        @requires_auth(Capability.MANAGE_USERS)
        @bp.response(200, s.InvitationOut)
        def delete(self, invitation_id):
            """Revoke an invitation: its link stops working."""
            return _invitation(_found(use["revoke_invitation"](current_principal().org_id, invitation_id),
                                      "invitation"))

    @bp.route("/invitations/<invitation_id>/resend")
    class ResendInvitation(MethodView):
        @requires_auth(Capability.MANAGE_USERS)
        @bp.response(200, s.InvitationOut)
        def post(self, invitation_id):
            """Mail the invitation again with a new link (the old link stops working) and a new expiry."""
            return _invitation(_found(use["resend_invitation"](current_principal().org_id, invitation_id),
                                      "invitation"))

    @bp.route("/api-keys")
    class ApiKeysView(MethodView):
        @requires_auth(Capability.MANAGE_API_KEYS)
        @bp.response(200, s.ApiKeyList)
        def get(self):
            """The organization's API keys (never their secrets)."""
            return {"items": use["list_api_keys"](current_principal().org_id)}

        @requires_auth(Capability.MANAGE_API_KEYS)
        @bp.arguments(s.ApiKeyIn)
        @bp.response(201, s.ApiKeyCreated)
        def post(self, body):
            """Create a key with the given scopes. The secret is in this answer only."""
            principal = current_principal()
            key, secret = use["create_api_key"](principal.org_id, body["name"], body["scopes"], principal.subject)
            return {**dataclasses.asdict(key), "key": secret}

    @bp.route("/api-keys/<key_id>")
    class ApiKeyView(MethodView):
        @requires_auth(Capability.MANAGE_API_KEYS)
        @bp.response(204)
        def delete(self, key_id):
            """Revoke a key: its next request is refused."""
            _found(use["revoke_api_key"](current_principal().org_id, key_id), "API key")

    @bp.route("/domains")
    class DomainsView(MethodView):
        @requires_auth(Capability.MANAGE_SETTINGS)
        @bp.response(200, s.DomainList)
        def get(self):
            """The organization's portal domains and their verification records."""
            return {"items": use["list_domains"](current_principal().org_id)}

        @requires_auth(Capability.MANAGE_SETTINGS)
        @bp.arguments(s.DomainIn)
        @bp.response(201, s.DomainOut)
        def post(self, body):
            """Claim a portal domain; publish the TXT record in the answer, then verify."""
            return use["claim_domain"](current_principal().org_id, body["domain"])

    @bp.route("/domains/<domain>")
    class DomainView(MethodView):
        @requires_auth(Capability.MANAGE_SETTINGS)
        @bp.response(204)
        def delete(self, domain):
            """Stop serving the portal on this domain."""
            if not use["release_domain"](current_principal().org_id, domain):
                raise Problem(404, "Not Found", "no such domain")

    @bp.route("/domains/<domain>/verify")
    class VerifyDomain(MethodView):
        @requires_auth(Capability.MANAGE_SETTINGS)
        @bp.response(200, s.DomainOut)
        def post(self, domain):
            """Check the TXT record now; once found, the domain serves the portal."""
            return _found(use["verify_domain"](current_principal().org_id, domain), "domain")

    def _invitation(invitation) -> dict:
        return {**dataclasses.asdict(invitation), "status": invitation.state(use["now"]())}

    return bp


def _profile(user) -> dict:
    return {**dataclasses.asdict(user), "notification_preferences": notification_preferences(user)}
