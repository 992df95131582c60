"""Integrations: what can be connected and with which permissions, connect, test, disconnect.

Everyone in the organization sees what is connected (CSMs need to know whether Slack can
deliver); only admins (manage_connectors) connect, change, test or disconnect.
"""

from __future__ import annotations

from flask_smorest import Blueprint

from stitch.common.http.auth import current_principal, requires_auth
from stitch.common.http.problems import Problem
from stitch.common.permissions import Capability
from stitch.common.runtime import ServiceRuntime
from stitch.connectors.entrypoints.schemas import (
    ConnectIn,
    ConnectionArgs,
    ConnectionList,
    ConnectionOut,
    ConnectionPatch,
    ConnectionTestOut,
    ConnectOut,
    DeliveryDetailOut,
    DisconnectOut,
    ProviderList,
    TestMessageIn,
    connection_view,
    delivery_view,
)

OAUTH_COOKIE = "stitch_oauth"  # the gateway forwards this cookie, and only this one, to the callback


def connections_blueprint(runtime: ServiceRuntime, prefix: str) -> Blueprint:
    blueprint = Blueprint("connections", __name__, url_prefix=prefix,
                          description="Connections to outside services (Slack, CRMs, calendars)")
    use = runtime.use_cases
    manage = requires_auth(Capability.MANAGE_CONNECTORS)

    @blueprint.route("/providers", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.response(200, ProviderList)
    def list_providers():
        """Every provider Stitch can connect, the permissions each asks for and why, and the org's connection."""
        org = current_principal().org_id
        active = {c.provider: c for c in use["connections"](org) if c.active}
        configured = use["configured"]()
        return {"items": [
            {"name": d.name, "title": d.title, "purpose": d.purpose, "configured": d.name in configured,
             "can_revoke": d.revoke_url is not None, "scopes": [{"name": s.name, "why": s.why} for s in d.scopes],
             "connection": connection_view(active[d.name]) if d.name in active else None}
            for d in use["providers"]().values()]}

    @blueprint.route("/connections", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.arguments(ConnectionArgs, location="query", unknown="raise")
    @blueprint.response(200, ConnectionList)
    def list_connections(args):
        """The org's connections, newest first; disconnected ones only when asked for."""
        found = use["connections"](current_principal().org_id)
        return {"items": [connection_view(c) for c in found if c.active or args["include_disconnected"]]}

    @blueprint.route("/connections/<provider>", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.response(200, ConnectionOut)
    def get_connection(provider):
        """The org's active connection to the provider (404 when none)."""
        return connection_view(_active(provider))

    @blueprint.route("/connections/<provider>/connect", methods=["POST"])
    @manage
    @blueprint.arguments(ConnectIn)
    @blueprint.response(201, ConnectOut, description="send the browser to authorization_url; a cookie binds the "
                                                     "flow to this browser")
    def connect(body, provider):
        """Start connecting (or reconnecting): the provider's authorization URL, valid ten minutes, once."""
        principal = current_principal()
        started = use["start_connect"](principal.org_id, principal.subject, provider, body["return_to"])
        return {"authorization_url": started.authorization_url, "expires_at": started.expires_at,
                "scopes": [{"name": s.name, "why": s.why} for s in started.provider.scopes]}, 201, {
            "Set-Cookie": _binding_cookie(started.browser_secret, runtime.settings.public_url)}

    @blueprint.route("/connections/<provider>", methods=["PATCH"])
    @manage
    @blueprint.arguments(ConnectionPatch)
    @blueprint.response(200, ConnectionOut)
    def change_connection(body, provider):
        """Set or clear the connection's default channel (Slack)."""
        if provider != "slack":
            raise Problem(422, "Request is not valid", "json.default_channel: only Slack connections have one",
                          errors=[{"name": "json.default_channel", "reason": "only Slack connections have one"}])
        return connection_view(use["set_default_channel"](current_principal().org_id, provider,
                                                          body["default_channel"]))

    @blueprint.route("/connections/<provider>", methods=["DELETE"])
    @manage
    @blueprint.response(200, DisconnectOut)
    def disconnect(provider):
        """Disconnect: revoke at the provider where it can, delete the tokens, keep what was synced."""
        principal = current_principal()
        connection, revoked = use["disconnect"](principal.org_id, principal.subject, provider)
        return {"connection": connection_view(connection), "revoked": revoked}

    @blueprint.route("/connections/<provider>/test", methods=["POST"])
    @manage
    @blueprint.response(200, ConnectionTestOut)
    def test_connection(provider):
        """Call the provider with the stored token: ok, or what is wrong in plain words."""
        result = use["test_connection"](current_principal().org_id, provider)
        return {"ok": result.ok, "account_name": result.account_name, "error": result.error,
                "connection": connection_view(result.connection)}

    @blueprint.route("/test-messages", methods=["POST"])
    @manage
    @blueprint.arguments(TestMessageIn)
    @blueprint.response(200, DeliveryDetailOut, description="sent or failed (status, error); kept in the delivery log")
    def send_test_message(body):
        """Send one real test message now: an email (to you by default) or a Slack message to a channel."""
        principal = current_principal()
        if body["channel"] == "email":
            delivery = use["send_test_email"](principal.org_id, principal.subject, body["to"])
        else:
            if not body["slack_channel"]:
                raise Problem(422, "Request is not valid", "json.slack_channel: required for a Slack test",
                              errors=[{"name": "json.slack_channel", "reason": "required for a Slack test"}])
            delivery = use["send_test_slack"](principal.org_id, principal.subject, body["slack_channel"])
        return delivery_view(delivery, detail=True)

    def _active(provider):
        found = [c for c in use["connections"](current_principal().org_id) if c.provider == provider and c.active]
        if not found:
            raise Problem(404, "Not Found", f"no active {provider} connection")
        return found[0]

    return blueprint


def _binding_cookie(secret: str, public_url: str) -> str:
    """HttpOnly (scripts cannot read it), Lax (sent on the provider's top-level redirect back to us,
    never on cross-site subrequests), scoped to /oauth/, ten minutes like the state."""
    secure = "; Secure" if public_url.startswith("https://") else ""
    return f"{OAUTH_COOKIE}={secret}; Path=/oauth/; Max-Age=600; HttpOnly; SameSite=Lax{secure}"
