"""The composition root: settings → adapters → use cases, event reactions and the scheduler. Tests pass fakes."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from stitch.accounts import config
from stitch.accounts.adapters.offline_drafter import OfflineDrafter
from stitch.accounts.adapters.tables import metadata
from stitch.accounts.adapters.unit_of_work import AccountsUnitOfWork
from stitch.accounts.application import (
    accounts,
    catalog,
    engine_settings,
    listing,
    notes,
    plan,
    pools,
    reactions,
    scheduler,
    workqueue,
)
from stitch.accounts.application.common import Deps, account_now, read_account, read_history
from stitch.accounts.application.ports import Drafter
from stitch.common.jobs import Periodic
from stitch.common.runtime import ServiceRuntime, build_runtime
from stitch.common.settings import SettingsError
from stitch.common.tokens import TokenVerifier

SCHEDULER_JOB = "accounts.run_due_jobs"


def bootstrap(settings: config.Settings | None = None, *, uow: Callable[[], Any] | None = None,
              clock: Callable[[], datetime] | None = None, verifier: TokenVerifier | None = None,
              drafter: Drafter | None = None, new_id: Callable[[], str] | None = None) -> ServiceRuntime:
    settings = settings or config.load()
    runtime = build_runtime(settings, config.SERVICE_ROOT, metadata, AccountsUnitOfWork, uow=uow, verifier=verifier)
    clock = clock or (lambda: datetime.now(UTC))
    deps = Deps(uow=runtime.uow, clock=clock, public_url=settings.public_url,
                **({"new_id": new_id} if new_id else {}))
    fallback = OfflineDrafter()
    scheduling = scheduler.Scheduling(batch=settings.scheduler_batch,
                                      lease=timedelta(seconds=settings.job_lease_seconds),
                                      draft_attempts=settings.draft_attempts)
    run_due = functools.partial(scheduler.run_due_jobs, deps, drafter or _drafter(settings), fallback, scheduling)
    return dataclasses.replace(
        runtime,
        event_handlers={
            "templates.template_created.v1":
                lambda event, unit: catalog.when_template_created_add_to_catalog(event, unit, clock()),
            **reactions.handlers(deps),
        },
        periodic={SCHEDULER_JOB: Periodic(settings.scheduler_interval, run_due)},
        use_cases=_use_cases(deps, run_due),
    )


def _drafter(settings: config.Settings) -> Drafter:
    if settings.ai_provider == "offline":
        return OfflineDrafter()
    raise SettingsError(f"STITCH_AI_PROVIDER={settings.ai_provider!r} is not available yet; use offline")


def _use_cases(deps: Deps, run_due: Callable[..., int]) -> dict[str, Callable[..., Any]]:
    bound = {name: functools.partial(function, deps) for name, function in {
        "create_account": accounts.create_account, "get_account": read_account, "history": read_history,
        "account_now": account_now,
        "change_details": accounts.change_details, "set_status": accounts.set_status,
        "assign_csm": accounts.assign_csm, "archive": accounts.archive, "unarchive": accounts.unarchive,
        "add_collaborator": accounts.add_collaborator, "remove_collaborator": accounts.remove_collaborator,
        "add_contact": accounts.add_contact, "change_contact": accounts.change_contact,
        "apply_template": plan.apply_template, "start_milestone": plan.start_milestone,
        "complete_milestone": plan.complete_milestone, "block_milestone": plan.block_milestone,
        "unblock_milestone": plan.unblock_milestone, "add_action": plan.add_action,
        "edit_action": plan.edit_action, "remove_action": plan.remove_action, "start_action": plan.start_action,
        "execute_action": plan.execute_action, "skip_action": plan.skip_action,
        "mark_action_done": plan.mark_action_done, "edit_draft": plan.edit_draft,
        "request_new_draft": plan.request_new_draft, "reschedule_action": plan.reschedule_action,
        "get_settings": engine_settings.get_settings, "update_settings": engine_settings.update_settings,
    }.items()}
    bound["list_catalog"] = lambda org_id, limit, after: catalog.list_catalog(org_id, limit, after, deps.uow())
    bound["run_due_jobs"] = run_due
    for part in (listing, pools, notes, workqueue):  # the CSM workspace (issue 7)
        bound |= part.use_cases(deps)
    return bound
