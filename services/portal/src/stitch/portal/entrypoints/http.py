"""The portal HTTP API (mounted under ``/api/portal``; the gateway routes here)."""

from __future__ import annotations

from flask import Flask

from stitch.common.http.app import create_base_app
from stitch.common.runtime import ServiceRuntime
from stitch.portal.bootstrap import bootstrap

PREFIX = "/api/portal"


def create_app(runtime: ServiceRuntime | None = None) -> Flask:
    runtime = runtime or bootstrap()
    app, _api = create_base_app("portal", title="Stitch portal", api_prefix=PREFIX,
                                checks=runtime.readiness_checks(), verifier=runtime.verifier)
    return app
