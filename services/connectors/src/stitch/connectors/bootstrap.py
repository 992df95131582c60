"""The composition root of the connectors service. Its features arrive with their issues."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stitch.common.db.uow import SqlUnitOfWork
from stitch.common.runtime import ServiceRuntime, build_runtime
from stitch.common.tokens import TokenVerifier
from stitch.connectors import config
from stitch.connectors.adapters.tables import metadata


def bootstrap(settings: config.Settings | None = None, *, uow: Callable[[], Any] | None = None,
              verifier: TokenVerifier | None = None) -> ServiceRuntime:
    return build_runtime(settings or config.load(), config.SERVICE_ROOT, metadata, SqlUnitOfWork,
                         uow=uow, verifier=verifier)
