"""The gateway HTTP app: the edge (who is calling, for which org), routing to the org's cell,
the gateway's own API (sign-in, users, API keys, domains), JWKS and ops health."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, g, jsonify, render_template_string, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.exc import IntegrityError
from werkzeug.middleware.proxy_fix import ProxyFix

from stitch.common.http.app import create_base_app
from stitch.common.http.auth import CHALLENGE, current_principal
from stitch.common.http.problems import Problem
from stitch.common.mail import MaildirReader
from stitch.common.permissions import API_KEY_ROLE, Capability
from stitch.common.runtime import ServiceRuntime
from stitch.common.tokens import TokenError
from stitch.gateway import config
from stitch.gateway.adapters.forwarder import ServiceUnavailable
from stitch.gateway.adapters.ttl_cache import TtlCache
from stitch.gateway.application.api_keys import InvalidApiKey
from stitch.gateway.application.health import suite_health
from stitch.gateway.application.routes import is_public
from stitch.gateway.application.routing import PortalTarget, UnknownCell, is_portal_request
from stitch.gateway.bootstrap import bootstrap
from stitch.gateway.domain.credentials import looks_like_api_key
from stitch.gateway.domain.email_links import LinkRefused
from stitch.gateway.domain.identity import ACTIVE, DEFAULT_CELL, IdentityConflict, InvalidIdentity
from stitch.gateway.entrypoints import admin_views, auth_views, dev_mailbox, link_pages, rate_limits, signup_views
from stitch.gateway.entrypoints.ops_page import OPS_PAGE

PREFIX = "/api/gateway"
OAUTH_COOKIE = "stitch_oauth"  # set by connectors when an admin starts connecting a provider
CUSTOM_DOMAIN_TTL = 30.0  # seconds a verified (or unknown) host is remembered


def create_app(runtime: ServiceRuntime | None = None) -> Flask:
    runtime = runtime or bootstrap()
    settings, use = runtime.settings, runtime.use_cases
    app, api = create_base_app("gateway", title="Stitch gateway", api_prefix=PREFIX,
                               checks=runtime.readiness_checks(), verifier=runtime.verifier)
    _register_error_handlers(app)
    if settings.trusted_proxies:  # the client IP the rate limits key on comes from X-Forwarded-For
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies)
    dev = settings.env == "dev"
    custom_domains: TtlCache[str, object] = TtlCache(CUSTOM_DOMAIN_TTL)

    def portal_target() -> PortalTarget | None:
        if is_portal_request(request.host, request.path, settings.portal_domain):
            target = use["portal_target"](request.host, request.path)
            if target is None:
                raise Problem(404, "Not Found", "there is no portal at this address")
            return target
        org = custom_domains.get_or_load(request.host.lower(), use["custom_domain_org"])
        return PortalTarget(org, f"/portal/{org.slug}{request.path}") if org else None

    @app.before_request
    def _edge():
        if _has_dot_segments(request.path):
            # A path is judged as written: "/api/x/docs/../templates" must not pass as the public
            # docs route and then be normalised into a protected one by the HTTP client.
            raise Problem(400, "Bad Request", "the path must not contain '.' or '..' segments")
        if request.path in ("/healthz", "/readyz", "/metrics"):
            return None  # the process's own probes answer on any host
        if (target := portal_target()) is not None:
            # Customers' pages and magic links are public here; the portal verifies their tokens.
            return _forward(runtime, target.org.cell, "portal", path=target.path)
        if not is_public(request.path, dev):
            _authenticate(runtime)
        return None

    limits = rate_limits.install(app, settings)  # after _edge: the per-org quota needs the caller

    @app.get("/.well-known/jwks.json")
    def jwks() -> Response:
        response = jsonify(use["jwks"]())
        response.headers["Cache-Control"] = "public, max-age=300"  # services refetch on an unknown kid
        return response

    @app.route("/api/<service>/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def route_to_service(service: str, rest: str) -> Response:
        if service not in config.SERVICES:
            raise Problem(404, "Not Found", f"no API named {service!r}")
        if is_public(request.path, dev):  # API documents: no tenant, so the default cell answers
            return _forward(runtime, DEFAULT_CELL, service)
        cell = use["org_cell"](current_principal().org_id)
        if cell is None:  # a valid signature for an org that no longer exists
            raise Problem(401, "Unauthorized", "the token's organization is unknown", headers=CHALLENGE)
        return _forward(runtime, cell, service, authorization=g.get("minted_authorization"))

    @app.get("/oauth/<provider>/callback")
    def oauth_callback(provider: str) -> Response:
        # A provider sends the admin's browser back here (a public route: no token). The org is not
        # known until connectors reads the state, so the default cell answers. Only the cookie that
        # binds the flow to this browser goes along; the refresh cookie never leaves the gateway.
        return _forward(runtime, DEFAULT_CELL, "connectors", cookies=(OAUTH_COOKIE,))

    blueprint = Blueprint("gateway", __name__, description="Gateway operations")

    @blueprint.route("/ops/health")
    class OpsHealth(MethodView):
        @blueprint.doc(security=[])
        def get(self):
            """Readiness of the gateway and every service: statuses for anyone, details for admins."""
            probes = {"gateway": _own_readiness(app), **use["probe_services"]()}
            body = suite_health(probes, with_details=_may_see_details())
            status = 200 if body["status"] == "ready" else 503
            if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
                return render_template_string(OPS_PAGE, health=body), status
            return jsonify(body), status

    api.register_blueprint(blueprint)
    api.register_blueprint(auth_views.blueprint(runtime, limits))
    api.register_blueprint(signup_views.blueprint(runtime, limits))
    api.register_blueprint(admin_views.blueprint(runtime, PREFIX, limits))
    app.register_blueprint(link_pages.blueprint())
    # The dev mailbox shows live sign-in links: only for a dev suite addressed on this machine,
    # so a deployment that forgot STITCH_ENV and STITCH_MAIL_URL does not publish them.
    if dev and _is_local(settings.public_url) and (mailbox := use["dev_mailbox_directory"]()) is not None:
        app.register_blueprint(dev_mailbox.blueprint(MaildirReader(mailbox)))
    return app


def _is_local(url: str) -> bool:
    return urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")


def _has_dot_segments(path: str) -> bool:
    return any(segment in (".", "..") for segment in path.split("/"))


def _authenticate(runtime: ServiceRuntime) -> None:
    """A bearer JWT is verified; an API key is exchanged for a one-minute token that is verified
    the same way and forwarded in its place, so services only ever see JWTs."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and looks_like_api_key(value):
        try:
            minted = runtime.use_cases["exchange_api_key"](value)["access_token"]
        except InvalidApiKey:
            raise Problem(401, "Unauthorized", "the API key is not valid", headers=CHALLENGE) from None
        g.minted_authorization = f"Bearer {minted}"
        g.principal = runtime.verifier.verify(minted)
        return
    principal = current_principal()  # 401 problem unless the token verifies
    if principal.role != API_KEY_ROLE:
        _refuse_outlived_token(runtime, principal)


def _refuse_outlived_token(runtime: ServiceRuntime, principal) -> None:
    """A staff token lives up to 15 minutes; the user may be deactivated or given another role
    within them. Checking the user now makes both take effect on the next call, not at expiry."""
    standing = runtime.use_cases["user_standing"](principal.org_id, principal.subject)
    if standing is None:  # signed by us, yet the user (or the whole org) is gone
        raise Problem(401, "Unauthorized", "the token's user is unknown", headers=CHALLENGE)
    if standing[0] != ACTIVE:
        raise Problem(401, "Unauthorized", "this user is deactivated", headers=CHALLENGE)
    if standing[1] != principal.role:
        raise Problem(401, "Unauthorized", "your role has changed: refresh the session to go on",
                      headers=CHALLENGE)


def _forward(runtime: ServiceRuntime, cell: str, service: str, **options) -> Response:
    try:
        base_url = runtime.use_cases["base_url"](cell, service)
        return runtime.use_cases["forward"](base_url, request, **options)
    except UnknownCell as exc:
        raise Problem(503, "Service Unavailable", "this organization's cell is not reachable from here") from exc
    except ServiceUnavailable as exc:
        raise Problem(502, "Bad Gateway", f"the {service} service did not answer") from exc


def _register_error_handlers(app: Flask) -> None:
    app.register_error_handler(InvalidIdentity, lambda e: Problem(
        422, "Request is not valid", str(e), errors=[{"name": f"json.{e.field}", "reason": e.rule}]).as_response())
    app.register_error_handler(IdentityConflict, lambda e: Problem(409, "Conflict", str(e)).as_response())
    # Two requests racing for the same unique value (an email, a slug, a domain): the checks in
    # the use case passed for both, the database let one win. The loser is told, not given a 500.
    app.register_error_handler(IntegrityError, lambda e: Problem(
        409, "Conflict", "this conflicts with a change made at the same moment: reload and try again"
    ).as_response())
    app.register_error_handler(LinkRefused, lambda e: Problem(
        e.status, "This link cannot be used" if e.status == 410 else "This link is not valid", e.detail
    ).as_response())


def _own_readiness(app: Flask) -> dict:
    with app.test_client() as client:
        body = client.get("/readyz").get_json()
    return {"status": body["status"], "checks": body["checks"]}


def _may_see_details() -> bool:
    if not request.headers.get("Authorization"):
        return False
    try:
        return current_principal().can(Capability.MANAGE_SETTINGS)
    except (Problem, TokenError):
        g.pop("principal", None)
        return False
