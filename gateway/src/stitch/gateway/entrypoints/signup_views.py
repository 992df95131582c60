"""Day one, over public routes: sign up with a work email, verify it and create (or join) the
organization; forgot and reset a password; open and accept an invitation.

Opening a link's page never spends it (mail scanners fetch every link they see); the page's
button POSTs the token, and only completing the step spends it.
"""

from __future__ import annotations

import dataclasses

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from stitch.common.runtime import ServiceRuntime
from stitch.gateway.application.invitations import AcceptInvitation
from stitch.gateway.application.signup import CompleteSignup
from stitch.gateway.entrypoints import schemas as s
from stitch.gateway.entrypoints.rate_limits import RateLimits

# One answer whatever the address: known, unknown, deactivated or already taken by an org.
SIGNUP_SENT = "Check your inbox: we sent a message to this address with what to do next."
RESET_SENT = "If this address has a Stitch account, a link to reset its password is on its way."
_LINK_ERRORS = {"description": "the link is not valid (400), or used, expired or withdrawn (410)"}


def blueprint(runtime: ServiceRuntime, limits: RateLimits) -> Blueprint:
    bp = Blueprint("day_one", __name__, url_prefix="/auth", description="Sign-up, password reset, invitations")
    use = runtime.use_cases

    @bp.route("/signup")
    class Signup(MethodView):
        @limits.links
        @bp.doc(security=[])
        @bp.arguments(s.EmailIn)
        @bp.response(202, s.AcceptedOut)
        def post(self, body):
            """Start a sign-up: a work email gets a mail with the next step (personal addresses: 422)."""
            use["request_signup"](body["email"])
            return {"message": SIGNUP_SENT}

    @bp.route("/verify-email")
    class VerifyEmail(MethodView):
        @limits.tokens
        @bp.doc(security=[])
        @bp.arguments(s.LinkTokenIn)
        @bp.response(200, s.SignupPreviewOut)
        @bp.alt_response(400, **_LINK_ERRORS)
        def post(self, body):
            """Check a verification link (without spending it) and learn the next step."""
            return dataclasses.asdict(use["inspect_signup"](body["token"]))

    @bp.route("/complete-signup")
    class CompleteSignupView(MethodView):
        @limits.tokens
        @bp.doc(security=[])
        @bp.arguments(s.CompleteSignupIn)
        @bp.response(201, s.SignupOut)
        @bp.alt_response(400, **_LINK_ERRORS)
        def post(self, body):
            """Spend the verification link: create the profile and the organization (or join it)."""
            organization = body["organization"] or {}
            user, org = use["complete_signup"](CompleteSignup(
                body["token"], body["name"], body["password"], body["title"],
                organization.get("name"), organization.get("slug")))
            return {"user": user, "organization": org}

    @bp.route("/forgot-password")
    class ForgotPassword(MethodView):
        @limits.links
        @bp.doc(security=[])
        @bp.arguments(s.EmailIn)
        @bp.response(202, s.AcceptedOut)
        def post(self, body):
            """Mail a single-use link to reset the password (the answer never says if the address is known)."""
            use["request_password_reset"](body["email"])
            return {"message": RESET_SENT}

    @bp.route("/reset-link")
    class ResetLink(MethodView):
        @limits.tokens
        @bp.doc(security=[])
        @bp.arguments(s.LinkTokenIn)
        @bp.response(200, s.ResetLinkOut)
        @bp.alt_response(400, **_LINK_ERRORS)
        def post(self, body):
            """Check a reset link (without spending it): whose password it resets."""
            return {"email": use["check_reset_link"](body["token"])}

    @bp.route("/reset-password")
    class ResetPassword(MethodView):
        @limits.tokens
        @bp.doc(security=[])
        @bp.arguments(s.ResetPasswordIn)
        @bp.response(204)
        @bp.alt_response(400, **_LINK_ERRORS)
        def post(self, body):
            """Spend the reset link: set the new password and sign out every session."""
            use["reset_password"](body["token"], body["password"])
            return Response(status=204)

    @bp.route("/invitation")
    class InvitationView(MethodView):
        @limits.tokens
        @bp.doc(security=[])
        @bp.arguments(s.LinkTokenIn)
        @bp.response(200, s.InvitationPreviewOut)
        @bp.alt_response(400, **_LINK_ERRORS)
        def post(self, body):
            """Check an invitation link (without spending it): who invites, to which org, as what."""
            return dataclasses.asdict(use["inspect_invitation"](body["token"]))

    @bp.route("/accept-invitation")
    class AcceptInvitationView(MethodView):
        @limits.tokens
        @bp.doc(security=[])
        @bp.arguments(s.AcceptInvitationIn)
        @bp.response(201, s.UserOut)
        @bp.alt_response(400, **_LINK_ERRORS)
        def post(self, body):
            """Spend the invitation: create the user with the invited role; then sign in."""
            return use["accept_invitation"](AcceptInvitation(body["token"], body["name"], body["password"],
                                                             body["title"]))

    return bp
