"""The engine through its use cases and event handlers, with in-memory fakes (no I/O)."""

from __future__ import annotations

import pytest

from stitch.accounts.application.accounts import NewAccount
from stitch.accounts.domain.errors import RuleBroken
from stitch.common.envelope import new_event

ORG, ADMIN, CSM = "org-1", "user-admin", "user-csm"


def create(runtime, revision, **extra):
    new = NewAccount(details={"company_name": "Acme", "crm_source": "hubspot", "external_id": "deal-1"},
                     contacts=({"name": "Jo Doe", "email": "jo@acme.test"},), template_id=revision.template_id,
                     csm_id=CSM, **extra)
    return runtime.use_cases["create_account"](ORG, ADMIN, new)


def published(uow, kind):
    return [e for e in uow.published if e.type == f"accounts.{kind}.v1"]


def test_an_account_runs_from_start_to_delivery(runtime, uow, clock, seeded):
    account, created = create(runtime, seeded)
    assert created and account.revision_id == seeded.revision_id
    first = account.milestones[0]
    account = runtime.use_cases["start_milestone"](ORG, account.id, CSM, first.id)
    email, form = account.milestones[0].actions[:2]
    assert email.state.value == "review_pending" and form.state.value == "executed"
    assert published(uow, "action_executed")[-1].data["portal"]["task"]["fields"]

    assert runtime.use_cases["run_due_jobs"]() == 1
    account = runtime.use_cases["get_account"](ORG, account.id)
    email = account.action(email.id)
    assert email.state.value == "ready" and "{{" not in email.draft.fields["body"]
    assert "Jo" in email.draft.fields["subject"] and "Northwind" in email.draft.fields["subject"]

    runtime.use_cases["edit_draft"](ORG, account.id, CSM, email.id, {"subject": "Welcome aboard, Jo"})
    account = runtime.use_cases["execute_action"](ORG, account.id, CSM, email.id)
    assert account.action(email.id).state.value == "executing"
    [request] = published(uow, "delivery_requested")
    assert request.data["email"]["subject"] == "Welcome aboard, Jo"
    assert request.data["email"]["to"] == [{"name": "Jo Doe", "email": "jo@acme.test"}]

    delivered = new_event("connectors", "connectors.delivery_succeeded.v1", {
        "request_id": request.data["request_id"], "account_id": account.id, "action_id": email.id,
        "channel": "email", "delivered_at": clock().isoformat()}, ORG)
    with uow:
        runtime.event_handlers[delivered.type](delivered, uow)
        uow.commit()
    assert runtime.use_cases["get_account"](ORG, account.id).action(email.id).state.value == "executed"


def test_a_second_command_for_the_same_deal_returns_the_first_account(runtime, seeded):
    first, _ = create(runtime, seeded)
    again, created = create(runtime, seeded)
    assert (again.id, created) == (first.id, False)
    duplicate, created = create(runtime, seeded, allow_duplicate=True)
    assert created and duplicate.duplicate_of == first.id


def test_a_refused_command_changes_nothing(runtime, uow, seeded):
    account, _ = create(runtime, seeded)
    before = len(uow.published)
    with pytest.raises(RuleBroken) as refused:
        runtime.use_cases["complete_milestone"](ORG, account.id, CSM, account.milestones[0].id)
    assert refused.value.rule == "milestone.complete.not_in_progress"
    assert len(uow.published) == before
    assert runtime.use_cases["get_account"](ORG, account.id).version == account.version
