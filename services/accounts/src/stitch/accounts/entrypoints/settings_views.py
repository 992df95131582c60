"""The organization's rules for the onboarding engine: review portal tasks first, auto-send per type."""

from __future__ import annotations

from flask_smorest import Blueprint

from stitch.accounts.entrypoints import schemas as s
from stitch.accounts.entrypoints.common_views import actor, etag, expected_version, org_id
from stitch.common.http.auth import requires_auth
from stitch.common.permissions import Capability
from stitch.common.runtime import ServiceRuntime


def settings_blueprint(runtime: ServiceRuntime, prefix: str) -> Blueprint:
    blueprint = Blueprint("engine_settings", __name__, url_prefix=f"{prefix}/settings",
                          description="How the onboarding engine treats this organization's actions")
    use = runtime.use_cases

    @blueprint.route("", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.response(200, s.SettingsOut)
    def read():
        settings = use["get_settings"](org_id())
        return settings, etag(settings.version)

    @blueprint.route("", methods=["PATCH"])
    @requires_auth(Capability.MANAGE_SETTINGS)
    @blueprint.arguments(s.SettingsIn)
    @blueprint.response(200, s.SettingsOut)
    def change(body):
        """The keys sent replace the current ones. Auto-send applies to drafts written from now on."""
        org, who = actor()
        settings = use["update_settings"](org, who, body, expected_version=expected_version())
        return settings, etag(settings.version)

    return blueprint
