"""The composition root: settings → adapters → use cases and event reactions. Tests pass fakes."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from stitch.accounts import config
from stitch.accounts.adapters.tables import metadata
from stitch.accounts.adapters.unit_of_work import AccountsUnitOfWork
from stitch.accounts.application import catalog
from stitch.common.runtime import ServiceRuntime, build_runtime
from stitch.common.tokens import TokenVerifier


def bootstrap(settings: config.Settings | None = None, *, uow: Callable[[], Any] | None = None,
              clock: Callable[[], datetime] | None = None, verifier: TokenVerifier | None = None) -> ServiceRuntime:
    runtime = build_runtime(settings or config.load(), config.SERVICE_ROOT, metadata, AccountsUnitOfWork,
                            uow=uow, verifier=verifier)
    clock, new_uow = clock or (lambda: datetime.now(UTC)), runtime.uow
    return dataclasses.replace(
        runtime,
        event_handlers={
            "templates.template_created.v1":
                lambda event, unit: catalog.when_template_created_add_to_catalog(event, unit, clock()),
        },
        use_cases={
            "list_catalog": lambda org_id, limit, after: catalog.list_catalog(org_id, limit, after, new_uow()),
        },
    )
