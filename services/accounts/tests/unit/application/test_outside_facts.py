"""What other parts announce, as accounts' consumer applies it (in-memory fakes)."""

from __future__ import annotations

import pytest

from stitch.accounts.application.accounts import NewAccount
from stitch.accounts.domain.errors import RuleBroken
from stitch.common.envelope import new_event
from stitch.common.messaging.errors import PermanentFailure

ORG, CSM = "org-1", "user-csm"
AT = "2026-11-22T10:00:00+00:00"


def deliver(runtime, uow, producer: str, event_type: str, **data) -> None:
    event = new_event(producer, event_type, data, ORG)
    with uow:
        runtime.event_handlers[event_type](event, uow)
        uow.commit()


@pytest.fixture
def account(runtime, seeded):
    created, _ = runtime.use_cases["create_account"](ORG, CSM, NewAccount(
        details={"company_name": "Acme"}, contacts=({"name": "Jo Doe", "email": "jo@acme.test"},),
        template_id=seeded.template_id, csm_id=CSM))
    return created


def test_a_teammate_the_customer_invited_becomes_a_contact_once(runtime, uow, account):
    invited = {"contact_id": "6a1f0000-0000-4000-8000-000000000001", "account_id": account.id,
               "email": "sam@acme.test"}
    deliver(runtime, uow, "portal", "portal.contact_invited.v1", **invited)
    deliver(runtime, uow, "portal", "portal.contact_invited.v1", **invited)  # the same person again
    contacts = runtime.use_cases["get_account"](ORG, account.id).contacts
    assert [(c.name, c.email, c.is_primary) for c in contacts] == [("Jo Doe", "jo@acme.test", True),
                                                                  ("sam", "sam@acme.test", False)]


def test_a_preview_as_the_customer_is_in_the_history(runtime, uow, account):
    deliver(runtime, uow, "portal", "portal.viewed_as_customer.v1", account_id=account.id, viewed_by=CSM,
            viewed_at=AT)
    [viewed] = [h for h in runtime.use_cases["history"](ORG, account.id, None, 200, None)
                if h.kind == "viewed_as_customer"]
    assert (viewed.actor, viewed.at.isoformat()) == (CSM, AT)


def test_a_slack_connection_makes_slack_messages_executable(runtime, uow, account):
    milestone = account.milestones[0]
    runtime.use_cases["start_milestone"](ORG, account.id, CSM, milestone.id)
    slack_id, _ = runtime.use_cases["add_action"](ORG, account.id, CSM, milestone.id, {
        "label": "Tell the team", "type": "SLACK", "content": {"message": "{{company_name}} has started"}})
    runtime.use_cases["start_action"](ORG, account.id, CSM, slack_id)
    while runtime.use_cases["run_due_jobs"]():
        pass
    slack = runtime.use_cases["get_account"](ORG, account.id).action(slack_id)
    assert slack.state.value == "ready"
    with pytest.raises(RuleBroken) as refused:
        runtime.use_cases["execute_action"](ORG, account.id, CSM, slack.id)
    assert refused.value.rule == "action.execute.no_connection"
    deliver(runtime, uow, "connectors", "connectors.connection_changed.v1", connection_id="c-1", provider="slack",
            status="connected", account_name="Northwind", scopes=["chat:write"], changed_at=AT)
    executed = runtime.use_cases["execute_action"](ORG, account.id, CSM, slack.id)
    assert executed.action(slack.id).state.value == "executing"


def test_an_event_about_an_account_this_org_lacks_is_a_permanent_failure(runtime, uow, seeded):
    with pytest.raises(PermanentFailure):
        deliver(runtime, uow, "portal", "portal.viewed_as_customer.v1",
                account_id="6a1f0000-0000-4000-8000-0000000000ff", viewed_by=CSM, viewed_at=AT)
