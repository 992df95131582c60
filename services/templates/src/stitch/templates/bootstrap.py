"""The composition root: settings → adapters → use cases. Tests pass fakes instead."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from stitch.common.runtime import ServiceRuntime, build_runtime
from stitch.common.tokens import TokenVerifier
from stitch.templates import config
from stitch.templates.adapters.offline_drafter import OfflineTemplateDrafter
from stitch.templates.adapters.tables import metadata
from stitch.templates.adapters.unit_of_work import TemplatesUnitOfWork
from stitch.templates.application import generation, handoff_forms, plan_edits, publishing, templates, usage
from stitch.templates.application.events import TEMPLATE_APPLIED
from stitch.templates.application.ports import TemplateDrafter

# Use cases that change state get a fresh unit of work and the clock; readers only the unit of work.
_WRITERS = {
    **{name: getattr(templates, name) for name in (
        "create_template", "change_details", "replace_plan", "archive_template", "restore_template",
        "delete_template", "duplicate_template")},
    **{name: getattr(plan_edits, name) for name in (
        "add_milestone", "change_milestone", "remove_milestone", "reorder_milestones", "add_action",
        "change_action", "move_action", "remove_action", "reorder_actions")},
    **{name: getattr(publishing, name) for name in ("publish_template", "import_template")},
    **{name: getattr(handoff_forms, name) for name in (
        "create_form", "change_form", "set_form_archived", "publish_form")},
}
_READERS = {
    "get_template": templates.get_template, "list_templates": templates.list_templates,
    **{name: getattr(publishing, name) for name in (
        "list_revisions", "get_revision", "compare_revisions", "export_template")},
    **{name: getattr(handoff_forms, name) for name in (
        "get_form", "list_forms", "list_form_versions", "get_form_version")},
}


def bootstrap(settings: config.Settings | None = None, *, uow: Callable[[], Any] | None = None,
              clock: Callable[[], datetime] | None = None, verifier: TokenVerifier | None = None,
              drafter: TemplateDrafter | None = None) -> ServiceRuntime:
    settings = settings or config.load()
    runtime = build_runtime(settings, config.SERVICE_ROOT, metadata, TemplatesUnitOfWork, uow=uow, verifier=verifier)
    clock, new_uow = clock or (lambda: datetime.now(UTC)), runtime.uow
    drafter = drafter or _drafter(settings)

    def writer(use_case: Callable[..., Any]) -> Callable[..., Any]:
        return functools.wraps(use_case)(lambda *a, **k: use_case(*a, **k, uow=new_uow(), clock=clock))

    def reader(use_case: Callable[..., Any]) -> Callable[..., Any]:
        return functools.wraps(use_case)(lambda *a, **k: use_case(*a, **k, uow=new_uow()))

    return dataclasses.replace(
        runtime,
        use_cases={
            **{name: writer(use_case) for name, use_case in _WRITERS.items()},
            **{name: reader(use_case) for name, use_case in _READERS.items()},
            "validate_document": lambda document: publishing.validate_document(document, clock=clock),
            "generate_template": lambda description: generation.generate_template(
                description, drafter=drafter, clock=clock),
        },
        event_handlers={TEMPLATE_APPLIED: usage.when_template_applied_count_usage},
    )


def _drafter(settings: config.Settings) -> TemplateDrafter:
    if settings.ai_provider == "offline":
        return OfflineTemplateDrafter()
    raise ValueError(f"STITCH_AI_PROVIDER={settings.ai_provider!r}: only 'offline' is available in this version")
