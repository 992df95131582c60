"""The composition root: settings → adapters → use cases. Tests pass fakes instead."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from stitch.common.runtime import ServiceRuntime, build_runtime
from stitch.common.tokens import TokenVerifier
from stitch.templates import config
from stitch.templates.adapters.tables import metadata
from stitch.templates.adapters.unit_of_work import TemplatesUnitOfWork
from stitch.templates.application import templates


def bootstrap(settings: config.Settings | None = None, *, uow: Callable[[], Any] | None = None,
              clock: Callable[[], datetime] | None = None, verifier: TokenVerifier | None = None) -> ServiceRuntime:
    runtime = build_runtime(settings or config.load(), config.SERVICE_ROOT, metadata, TemplatesUnitOfWork,
                            uow=uow, verifier=verifier)
    clock, new_uow = clock or (lambda: datetime.now(UTC)), runtime.uow
    return dataclasses.replace(runtime, use_cases={
        "create_template": lambda command: templates.create_template(command, new_uow(), clock),
        "list_templates": lambda org_id, limit, after: templates.list_templates(org_id, limit, after, new_uow()),
    })
