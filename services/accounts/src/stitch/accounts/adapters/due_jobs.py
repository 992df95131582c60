"""The due-jobs index (DESIGN §4): what the scheduler runs, derived from the accounts.

Every save of an account brings its jobs in line with its actions: one ``fire`` job per pending
action with a time set, one ``draft`` job per action waiting for the draft it asked for, none
for an archived account. A job that still matches is left alone, so a job a worker has leased
(or is retrying) keeps its lease and attempts. Workers claim due jobs across orgs with a lease;
the claim skips rows another claimer holds, so concurrent claimers get disjoint jobs.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from stitch.accounts.adapters.tables import due_jobs
from stitch.accounts.application.ports import DueJob
from stitch.accounts.domain.account import Account
from stitch.accounts.domain.happenings import new_id
from stitch.accounts.domain.states import ActionState
from stitch.common.db.leases import claim_due

FIRE, DRAFT = "fire", "draft"
JOB_COLUMNS = (due_jobs.c.id, due_jobs.c.org_id, due_jobs.c.account_id, due_jobs.c.action_id, due_jobs.c.kind,
               due_jobs.c.request_id, due_jobs.c.due_at, due_jobs.c.attempts)


@dataclasses.dataclass(frozen=True)
class Wanted:
    due_at: datetime
    request_id: str | None = None


def wanted_jobs(account: Account, requested_at: dict[str, datetime], now: datetime) -> dict[tuple[str, str], Wanted]:
    """(action id, kind) → the job the account's state asks for."""
    if account.archived:
        return {}
    wanted = {}
    for action in account.actions():
        if action.state is ActionState.PENDING and action.due_at is not None:
            wanted[(action.id, FIRE)] = Wanted(action.due_at)
        elif action.state is ActionState.REVIEW_PENDING and action.draft_request:
            wanted[(action.id, DRAFT)] = Wanted(requested_at.get(action.draft_request, now), action.draft_request)
    return wanted


def sync_due_jobs(session: Session, account: Account, requested_at: dict[str, datetime]) -> None:
    """Bring ``account``'s due jobs in line with its state; ``requested_at`` dates new draft requests."""
    wanted = wanted_jobs(account, requested_at, datetime.now(UTC))
    stored = session.execute(select(due_jobs).where(due_jobs.c.org_id == account.org_id,
                                                    due_jobs.c.account_id == account.id)).all()
    obsolete, fresh = [], dict(wanted)
    for job in stored:
        want = fresh.pop((job.action_id, job.kind), None)
        if want is None or (job.kind == DRAFT and job.request_id != want.request_id):
            obsolete.append(job.id)  # not wanted any more, or a new draft request replaces the old one
            if want is not None:
                fresh[(job.action_id, job.kind)] = want
        elif job.kind == FIRE and job.due_at != want.due_at:  # rescheduled: a new time, a fresh start
            session.execute(update(due_jobs).where(due_jobs.c.id == job.id).values(
                due_at=want.due_at, leased_until=None, attempts=0, last_error=None))
    if obsolete:
        session.execute(delete(due_jobs).where(due_jobs.c.id.in_(obsolete)))
    if fresh:
        session.execute(insert(due_jobs), [
            {"id": new_id(), "org_id": account.org_id, "account_id": account.id, "action_id": action_id,
             "kind": kind, "request_id": want.request_id, "due_at": want.due_at, "attempts": 0}
            for (action_id, kind), want in fresh.items()])


class SqlDueJobs:
    def __init__(self, session: Session) -> None:
        self._session = session

    def claim(self, now: datetime, limit: int, lease_until: datetime) -> list[DueJob]:
        rows = claim_due(self._session, due_jobs, due_jobs.c.id, due_jobs.c.due_at, _claimable(now), limit,
                         lease_until, JOB_COLUMNS)
        return sorted((DueJob(**row._asdict()) for row in rows), key=lambda job: (job.due_at, job.id))

    def retry_later(self, job: DueJob, attempts: int, due_at: datetime, error: str) -> None:
        self._session.execute(update(due_jobs).where(*_unchanged(job)).values(
            attempts=attempts, due_at=due_at, last_error=error, leased_until=None))

    def done(self, job: DueJob) -> None:
        self._session.execute(delete(due_jobs).where(*_unchanged(job)))

    def count_due(self, now: datetime) -> int:
        """Due jobs nobody holds: what the scheduler is behind by."""
        return self._session.execute(select(func.count()).select_from(due_jobs).where(_claimable(now))).scalar_one()


def _unchanged(job: DueJob) -> tuple:
    """The job as it was claimed: a reschedule meanwhile moved its due time (and cleared its lease),
    so the worker's verdict on the old one must not delete or delay the new one."""
    return due_jobs.c.id == job.id, due_jobs.c.due_at == job.due_at


def _claimable(now: datetime):
    return and_(due_jobs.c.due_at <= now, or_(due_jobs.c.leased_until.is_(None), due_jobs.c.leased_until < now))
