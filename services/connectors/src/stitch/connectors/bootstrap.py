"""The composition root of the connectors service. Its features arrive with their issues."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stitch.common.db.uow import SqlUnitOfWork
from stitch.common.runtime import ServiceRuntime, default_verifier, sql_unit_of_work
from stitch.common.tokens import TokenVerifier
from stitch.connectors import config
from stitch.connectors.adapters.tables import metadata


def bootstrap(settings: config.Settings | None = None, *, uow: Callable[[], Any] | None = None,
              verifier: TokenVerifier | None = None) -> ServiceRuntime:
    settings = settings or config.load()
    engine = None
    if uow is None:
        engine, uow = sql_unit_of_work(settings, metadata, SqlUnitOfWork)
    return ServiceRuntime(settings=settings, service_root=config.SERVICE_ROOT, engine=engine,
                          metadata=metadata, uow=uow, verifier=verifier or default_verifier(settings))
