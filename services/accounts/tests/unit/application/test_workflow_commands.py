"""Commands from the workflows service: acted on once per request_id, and always answered."""

from __future__ import annotations

import pytest

from stitch.accounts.application.accounts import NewAccount
from stitch.accounts.domain.errors import InvalidInput
from stitch.common.envelope import new_event

ORG, CSM = "org-1", "user-csm"
CREATE = "workflows.account_creation_requested.v1"


def send(runtime, uow, event_type: str, **data) -> None:
    """A new event each time (a retry gets a new id), handled as the consumer would."""
    event = new_event("workflows", event_type, {"requested_at": "2026-11-22T09:00:00+00:00", **data}, ORG)
    with uow:
        runtime.event_handlers[event_type](event, uow)
        uow.commit()


def answers(uow) -> list[dict]:
    return [e.data for e in uow.published if e.type == "accounts.request_answered.v1"]


def create(runtime, uow, seeded, request_id: str, **extra) -> None:
    send(runtime, uow, CREATE, request_id=request_id, crm_source="hubspot", external_id="deal-9",
         company_name="Acme", primary_contact={"name": "Jo Doe", "email": "jo@acme.test"},
         template_id=seeded.template_id, csm_id=CSM, **extra)


def test_a_repeated_command_acts_once_and_is_answered_once(runtime, uow, seeded):
    create(runtime, uow, seeded, "run-1:create", allow_duplicate=True)
    create(runtime, uow, seeded, "run-1:create", allow_duplicate=True)  # the workflow retried
    created = [e for e in uow.published if e.type == "accounts.account_created.v1"]
    assert len(created) == 1 and created[0].data["request_id"] == "run-1:create"
    [answer] = answers(uow)
    assert (answer["command"], answer["outcome"], answer["account_id"]) == (
        "create_account", "done", created[0].data["account_id"])


def test_the_same_deal_again_is_answered_unchanged_with_its_account(runtime, uow, seeded):
    create(runtime, uow, seeded, "run-1:create")
    create(runtime, uow, seeded, "run-2:create")
    first, second = answers(uow)
    assert second["outcome"] == "unchanged" and second["account_id"] == first["account_id"]


def test_a_refused_command_is_answered_with_the_rule_and_changes_nothing(runtime, uow, seeded):
    create(runtime, uow, seeded, "run-1:create")
    account_id = answers(uow)[0]["account_id"]
    version = runtime.use_cases["get_account"](ORG, account_id).version
    send(runtime, uow, "workflows.template_application_requested.v1", request_id="run-1:apply",
         account_id=account_id, template_id=seeded.template_id, reapply=False)
    refused = answers(uow)[-1]
    assert (refused["outcome"], refused["reason"]["code"]) == ("refused", "account.reapply.needs_confirmation")
    assert runtime.use_cases["get_account"](ORG, account_id).version == version
    send(runtime, uow, "workflows.csm_assignment_requested.v1", request_id="run-1:assign",
         account_id=account_id, csm_id=CSM)
    assert answers(uow)[-1]["outcome"] == "unchanged"  # already the owner



def test_a_create_naming_two_primary_contacts_is_refused(runtime):
    two = ({"name": "A", "email": "a@acme.test", "is_primary": True},
           {"name": "B", "email": "b@acme.test", "is_primary": True})
    with pytest.raises(InvalidInput) as refused:
        runtime.use_cases["create_account"](ORG, CSM, NewAccount(details={"company_name": "Acme"}, contacts=two))
    assert [v.path for v in refused.value.violations] == ["contacts"]
