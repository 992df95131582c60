"""(issue 7, being written)"""

from __future__ import annotations

from flask_smorest import Blueprint

from stitch.common.runtime import ServiceRuntime


def pools_blueprint(runtime: ServiceRuntime, prefix: str) -> Blueprint:
    return Blueprint("pool_views", __name__, url_prefix=f"{prefix}", description="(being written)")
