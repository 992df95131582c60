"""The scheduler's jobs against changes made while a worker holds them (in-memory fakes)."""

from __future__ import annotations

from datetime import timedelta

from stitch.accounts.adapters.offline_drafter import OfflineDrafter
from stitch.accounts.application.accounts import NewAccount
from stitch.accounts.application.common import Deps
from stitch.accounts.application.scheduler import Scheduling, run_job

ORG, CSM = "org-1", "user-csm"
LATER = {"label": "Check-in", "type": "SEND_EMAIL", "trigger": {"type": "milestone_start", "delay_hours": 2},
         "content": {"subject": "How is it going?", "body": "Hi {{contact_first_name}}"}}


def started_with_a_delayed_email(runtime, seeded):
    account, _ = runtime.use_cases["create_account"](ORG, CSM, NewAccount(
        details={"company_name": "Acme"}, contacts=({"name": "Jo Doe", "email": "jo@acme.test"},),
        template_id=seeded.template_id))
    first = account.milestones[0]
    runtime.use_cases["start_milestone"](ORG, account.id, CSM, first.id)
    action_id, account = runtime.use_cases["add_action"](ORG, account.id, CSM, first.id, LATER)
    return account, account.action(action_id)


def test_a_reschedule_while_a_worker_holds_the_job_keeps_the_new_time(runtime, uow, clock, seeded):
    account, check_in = started_with_a_delayed_email(runtime, seeded)
    due = check_in.due_at
    with uow:
        [job] = [j for j in uow.due_jobs.claim(due, 100, due + timedelta(minutes=5)) if j.action_id == check_in.id]
        uow.commit()
    runtime.use_cases["reschedule_action"](ORG, account.id, CSM, check_in.id, at=clock() + timedelta(hours=10))

    deps = Deps(uow=lambda: uow, clock=clock, public_url="http://stitch.test")
    run_job(deps, OfflineDrafter(), OfflineDrafter(), Scheduling(), job, due)  # the worker's stale verdict

    assert runtime.use_cases["get_account"](ORG, account.id).action(check_in.id).state.value == "pending"
    assert runtime.use_cases["run_due_jobs"](now=clock() + timedelta(hours=10, seconds=1)) >= 1
    assert runtime.use_cases["get_account"](ORG, account.id).action(check_in.id).state.value == "review_pending"
