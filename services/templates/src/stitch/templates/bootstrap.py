"""The composition root: settings → adapters → use cases. Tests pass fakes instead."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from stitch.common.runtime import ServiceRuntime, default_verifier, sql_unit_of_work
from stitch.common.tokens import TokenVerifier
from stitch.templates import config
from stitch.templates.adapters.tables import metadata
from stitch.templates.adapters.unit_of_work import TemplatesUnitOfWork
from stitch.templates.application import templates


def bootstrap(settings: config.Settings | None = None, *, uow: Callable[[], Any] | None = None,
              clock: Callable[[], datetime] | None = None, verifier: TokenVerifier | None = None) -> ServiceRuntime:
    settings = settings or config.load()
    clock = clock or (lambda: datetime.now(UTC))
    engine = None
    if uow is None:
        engine, uow = sql_unit_of_work(settings, metadata, TemplatesUnitOfWork)
    return ServiceRuntime(
        settings=settings,
        service_root=config.SERVICE_ROOT,
        engine=engine,
        metadata=metadata,
        uow=uow,
        verifier=verifier or default_verifier(settings),
        use_cases={
            "create_template": lambda command: templates.create_template(command, uow(), clock),
            "list_templates": lambda org_id, limit, after: templates.list_templates(org_id, limit, after, uow()),
        },
    )
