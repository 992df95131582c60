"""Sign-in, refresh and sign-out (public routes: they are how a caller gets a token).

Web apps keep the refresh token in an HttpOnly, Secure, SameSite=Strict cookie scoped to
/auth, out of reach of page scripts; CLIs ask for it in the body (``session: token``).
"""

from __future__ import annotations

from flask import Response, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint

from stitch.common.http.problems import Problem
from stitch.common.runtime import ServiceRuntime
from stitch.gateway.application.sessions import InvalidCredentials, InvalidRefreshToken, Session
from stitch.gateway.entrypoints.rate_limits import RateLimits
from stitch.gateway.entrypoints.schemas import LoginIn, RefreshIn, TokenOut

REFRESH_COOKIE = "stitch_refresh"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # RFC 6749 §5.1 for token responses


def blueprint(runtime: ServiceRuntime, limits: RateLimits) -> Blueprint:
    bp = Blueprint("auth", __name__, url_prefix="/auth", description="Signing in and out")
    use = runtime.use_cases

    @bp.route("/login")
    class Login(MethodView):
        @limits.login
        @bp.doc(security=[])
        @bp.arguments(LoginIn)
        @bp.response(200, TokenOut)
        @bp.alt_response(401, description="wrong email or password (the answer never says which)")
        @bp.alt_response(429, description="too many attempts for this address or from this client")
        def post(self, body):
            """Sign in a staff user with email and password."""
            try:
                session = use["login"](body["email"], body["password"])
            except InvalidCredentials:
                raise Problem(401, "Unauthorized", "the email or password is not correct") from None
            return _session_response(session, in_body=body["session"] == "token")

    @bp.route("/refresh")
    class Refresh(MethodView):
        @bp.doc(security=[])
        @bp.arguments(RefreshIn)
        @bp.response(200, TokenOut)
        @bp.alt_response(401, description="the session has ended (expired, signed out, or a reused token)")
        def post(self, body):
            """Trade the refresh token for a new access token and a new refresh token."""
            raw, from_body = _presented_token(body)
            try:
                session = use["refresh"](raw)
            except InvalidRefreshToken:
                problem = Problem(401, "Unauthorized", "the session has ended; sign in again").as_response()
                _clear_cookie(problem)
                return problem
            return _session_response(session, in_body=from_body)

    @bp.route("/logout")
    class Logout(MethodView):
        @bp.doc(security=[])
        @bp.arguments(RefreshIn)
        @bp.response(204)
        def post(self, body):
            """End this sign-in everywhere its refresh tokens reach."""
            raw, _ = _presented_token(body)
            use["logout"](raw)
            response = Response(status=204)
            _clear_cookie(response)
            return response

    return bp


def _presented_token(body: dict) -> tuple[str, bool]:
    if body.get("refresh_token"):
        return body["refresh_token"], True
    cookie = request.cookies.get(REFRESH_COOKIE)
    if not cookie:
        raise Problem(401, "Unauthorized", "no refresh token: send it in the body or the cookie")
    return cookie, False


def _session_response(session: Session, *, in_body: bool) -> Response:
    body = {**session.access, "refresh_expires_in": session.refresh_expires_in}
    if in_body:
        body["refresh_token"] = session.refresh_token
    response = jsonify(TokenOut().dump(body))
    response.headers.update(_NO_STORE)
    if not in_body:
        response.set_cookie(REFRESH_COOKIE, session.refresh_token, max_age=session.refresh_expires_in,
                            path="/auth", secure=True, httponly=True, samesite="Strict")
    return response


def _clear_cookie(response: Response) -> None:
    response.delete_cookie(REFRESH_COOKIE, path="/auth", secure=True, httponly=True, samesite="Strict")
