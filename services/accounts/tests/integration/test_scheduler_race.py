"""Two scheduler workers racing over 1,000 due actions on PostgreSQL write exactly 1,000 drafts.

100 accounts each run a milestone of ten emails due an hour after it starts. Two workers (threads,
each with its own connections) run the scheduler at once until nothing is due. Leases keep them
off each other's jobs and the account row lock serialises two jobs of one account, so every
action fires once and is drafted once: 1,000 ``draft_written`` records, every draft number 1, and
the draft writer (an AI call in production) called 1,000 times, not more.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from stitch.accounts import config
from stitch.accounts.adapters.offline_drafter import OfflineDrafter
from stitch.accounts.adapters.tables import account_actions, account_history, due_jobs
from stitch.accounts.application.accounts import NewAccount
from stitch.accounts.application.ports import StaffUser
from stitch.accounts.bootstrap import bootstrap
from stitch.accounts.domain.plan import RevisionSnapshot
from stitch.common.testing.racing import all_at_once

ACCOUNTS, EMAILS_EACH = 100, 10


def ten_delayed_emails() -> RevisionSnapshot:
    actions = [{"id": f"00000000-0000-4000-8000-{n:012d}", "position": n, "label": f"Email {n}",
                "type": "SEND_EMAIL", "trigger": {"type": "milestone_start", "delay_hours": 1},
                "content": {"subject": "Hello {{contact_first_name}}", "body": "From {{csm_name}}"}}
               for n in range(1, EMAILS_EACH + 1)]
    return RevisionSnapshot("5d0c3f8e-2b1a-4c7d-8e9f-0a1b2c3d4e5f", "c4e8a1f2-6b3d-4e9a-9c7b-1d2e3f4a5b6c", 1,
                            "Ten follow-ups", ({"id": "0f3b5a7c-9d1e-4f2a-8b3c-4d5e6f7a8b01", "name": "Week 1",
                                               "duration_days": 7, "actions": actions},))


class CountingDrafter(OfflineDrafter):
    """Counts the writer's calls: an AI call costs money, so no job may run twice."""

    def __init__(self) -> None:
        self.calls, self._lock = 0, threading.Lock()

    def draft(self, request):
        with self._lock:
            self.calls += 1
        return super().draft(request)


def test_two_workers_draft_each_due_action_exactly_once(postgres_store, kit):
    store, revision, drafter = postgres_store, ten_delayed_emails(), CountingDrafter()
    runtime = bootstrap(config.load(), uow=store.uow, clock=lambda: kit.T0, drafter=drafter)
    with store.uow() as uow:
        uow.set_org(kit.ORG)
        uow.revisions.add(kit.ORG, revision, kit.T0)
        uow.staff.upsert(kit.ORG, StaffUser("csm-1", "Casey Smith", "casey@vendor.example", "csm", True), kit.T0)
        uow.commit()
    use = runtime.use_cases
    for n in range(ACCOUNTS):
        account, _ = use["create_account"](kit.ORG, "csm-1", NewAccount(
            details={"company_name": f"Customer {n}"}, contacts=({"name": "Jo Doe", "email": f"jo{n}@c.example"},),
            template_id=revision.template_id))
        use["start_milestone"](kit.ORG, account.id, "csm-1", account.milestones[0].id)

    due = kit.T0 + timedelta(hours=1, minutes=1)
    runs: list[int] = []
    lock = threading.Lock()

    def worker(_index: int) -> int:
        total = 0
        while count := use["run_due_jobs"](now=due):  # small batches interleave the two workers
            total += count
        with lock:
            runs.append(total)
        return total

    results = all_at_once(2, worker)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert all(runs), f"both workers should have run jobs: {runs}"

    with store.engine.connect() as db:
        db.execute(select(func.set_config("app.org_id", kit.ORG, False)))  # the rows are under RLS
        drafts = db.execute(select(func.count()).where(account_history.c.kind == "draft_written")).scalar()
        fired = db.execute(select(func.count()).where(account_history.c.kind == "draft_requested")).scalar()
        states = dict(db.execute(select(account_actions.c.state, func.count()).group_by(account_actions.c.state)).all())
        left = db.execute(select(func.count()).select_from(due_jobs)).scalar()
        numbers = {row.draft["number"] for row in db.execute(select(account_actions.c.draft))}
    total = ACCOUNTS * EMAILS_EACH
    assert (drafts, fired, states, left, numbers) == (total, total, {"ready": total}, 0, {1})
    assert drafter.calls == total
