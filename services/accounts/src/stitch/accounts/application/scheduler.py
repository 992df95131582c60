"""The scheduler: a periodic job that runs what the due-jobs index says is due (DESIGN §4).

Two kinds of job: "fire" (a scheduled action's time came: it fires like a trigger) and "draft"
(a draft was asked for: the writer writes it). Jobs are leased, so several workers share the
index without running one job twice; a crashed worker's lease runs out and the job runs again.
The draft writer is called outside any transaction (an AI call takes seconds); its draft is kept
only if the request is still current when it comes back.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timedelta

from stitch.accounts.application.common import Deps, on_account
from stitch.accounts.application.drafting import draft_request
from stitch.accounts.application.ports import DueJob, Drafter, DraftResult, DraftUnavailable
from stitch.accounts.domain.errors import NotFound
from stitch.accounts.domain.states import ActionState

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Scheduling:
    batch: int = 100
    lease: timedelta = timedelta(minutes=5)
    draft_attempts: int = 5  # then the fallback writer (the template's own text) drafts it


def run_due_jobs(deps: Deps, drafter: Drafter, fallback: Drafter, scheduling: Scheduling,
                 now: datetime | None = None) -> int:
    """Lease and run one batch of due jobs; the number run (the periodic job calls this each tick)."""
    now = now or deps.clock()
    with deps.uow() as uow:
        jobs = uow.due_jobs.claim(now, scheduling.batch, now + scheduling.lease)
        uow.commit()
    for job in jobs:
        run_job(deps, drafter, fallback, scheduling, job, now)
    return len(jobs)


def run_all_due(deps: Deps, drafter: Drafter, fallback: Drafter, scheduling: Scheduling,
                now: datetime | None = None) -> int:
    """Run batches until nothing is due (used by "run scheduler now" and tests)."""
    total = 0
    while count := run_due_jobs(deps, drafter, fallback, scheduling, now):
        total += count
    return total


def run_job(deps: Deps, drafter: Drafter, fallback: Drafter, scheduling: Scheduling, job: DueJob,
            now: datetime) -> None:
    """Run one leased job as of ``now`` (the scan's time: a test's clock, or the real one)."""
    try:
        if job.kind == "fire":
            _fire(deps, job, now)
        else:
            _draft(deps, drafter if job.attempts < scheduling.draft_attempts - 1 else fallback, job)
    except NotFound:
        _done(deps, job)  # the action was removed or the plan reset since the job was written
    except Exception as error:  # noqa: BLE001 - any failure is retried with backoff, never lost
        delay = timedelta(seconds=min(3600, 30 * 2 ** job.attempts))
        log.warning("due job %s (%s) failed, retrying in %s: %s", job.id, job.kind, delay, error,
                    exc_info=not isinstance(error, DraftUnavailable))
        with deps.uow() as uow:
            uow.due_jobs.retry_later(job, job.attempts + 1, now + delay, _plain(error))
            uow.commit()


def _fire(deps: Deps, job: DueJob, now: datetime) -> None:
    fired, _ = on_account(deps, job.org_id, job.account_id, None,
                          lambda account, turn: account.fire_due(job.action_id, now, turn.policy))
    if not fired:
        _done(deps, job)


def _draft(deps: Deps, drafter: Drafter, job: DueJob) -> None:
    with deps.uow() as uow:
        uow.set_org(job.org_id)
        account = uow.accounts.get(job.org_id, job.account_id)
        action = account.action(job.action_id)
        if action.state is not ActionState.REVIEW_PENDING or action.draft_request != job.request_id:
            uow.due_jobs.done(job)
            uow.commit()
            return
        request = draft_request(account, action, uow, deps.public_url, action.draft_instructions)
    result: DraftResult = drafter.draft(request)  # outside any transaction: it may take seconds
    attached, _ = on_account(deps, job.org_id, job.account_id, None, lambda acc, turn: acc.attach_draft(
        job.action_id, job.request_id, result.fields, result.warnings, result.written_by, turn.now,
        turn.policy, turn.people))
    if not attached:
        _done(deps, job)


def _done(deps: Deps, job: DueJob) -> None:
    with deps.uow() as uow:
        uow.due_jobs.done(job)
        uow.commit()


def _plain(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:500]
