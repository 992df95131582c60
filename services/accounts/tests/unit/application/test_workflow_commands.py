"""Commands from the workflows service: acted on once per request_id, and always answered."""

from __future__ import annotations

import copy

import pytest

from stitch.accounts.application.accounts import NewAccount
from stitch.accounts.domain.errors import InvalidInput, NotFound
from stitch.accounts.domain.pools import Pool, counts_as_active
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


# -- assigning from a CSM pool (issue 7): pool_id instead of csm_id ----------------------------------

ASSIGN = "workflows.csm_assignment_requested.v1"


class OnePool:
    """The pools port over the fakes, holding one pool (the shared fake unit of work has none)."""

    def __init__(self, uow, pool) -> None:
        self.uow, self.pool = uow, pool

    def get(self, org_id, pool_id, *, for_update=False):
        if (org_id, pool_id) != (self.pool.org_id, self.pool.id):
            raise NotFound(f"no pool {pool_id} in this organization")
        return copy.deepcopy(self.pool)

    def active_loads(self, org_id, user_ids):
        owners = [a.primary_csm_id for a in self.uow.tables["accounts"].values()
                  if a.org_id == org_id and counts_as_active(a.status, a.archived)]
        return {user_id: owners.count(user_id) for user_id in user_ids if user_id in owners}

    def staff(self, org_id, user_ids):
        return {user_id: user for user_id in user_ids if (user := self.uow.staff.get(org_id, user_id))}

    def move_turn(self, pool):
        self.pool.next_index = pool.next_index


def unowned_account(runtime) -> str:
    account, _ = runtime.use_cases["create_account"](ORG, None, NewAccount(
        details={"company_name": "Acme"}, contacts=({"name": "Jo Doe", "email": "jo@acme.test"},)))
    return account.id


@pytest.fixture
def pool(uow, seeded, clock):
    made = Pool.create("pool-1", ORG, {"name": "Enterprise", "rule": "round_robin", "members": [CSM],
                                       "capacity": 1}, clock())
    uow.pools = OnePool(uow, made)
    return made


def test_a_command_with_a_pool_assigns_the_member_its_rule_chooses(runtime, uow, pool):
    account_id = unowned_account(runtime)
    send(runtime, uow, ASSIGN, request_id="run-1:assign", account_id=account_id, pool_id=pool.id)
    assert (answers(uow)[-1]["outcome"], answers(uow)[-1]["account_id"]) == ("done", account_id)
    [assigned] = [e.data for e in uow.published if e.type == "accounts.csm_assigned.v1"]
    assert (assigned["csm_id"], assigned["pool_id"], assigned["request_id"]) == (CSM, pool.id, "run-1:assign")


def test_a_full_pool_refuses_the_command_with_its_rule_and_changes_nothing(runtime, uow, pool):
    first, second = unowned_account(runtime), unowned_account(runtime)
    send(runtime, uow, ASSIGN, request_id="run-1:assign", account_id=first, pool_id=pool.id)
    send(runtime, uow, ASSIGN, request_id="run-2:assign", account_id=second, pool_id=pool.id)  # the cap is 1
    refused = answers(uow)[-1]
    assert (refused["outcome"], refused["reason"]["code"], refused["account_id"]) == ("refused", "pool.full", second)
    assert "Enterprise" in refused["reason"]["message"]
    assert runtime.use_cases["get_account"](ORG, second).primary_csm_id is None


@pytest.mark.parametrize("owner", [{}, {"csm_id": CSM, "pool_id": "pool-1"}])
def test_a_command_naming_neither_or_both_a_csm_and_a_pool_is_refused(runtime, uow, pool, owner):
    account_id = unowned_account(runtime)
    send(runtime, uow, ASSIGN, request_id="run-1:assign", account_id=account_id, **owner)
    refused = answers(uow)[-1]
    assert (refused["outcome"], refused["reason"]["code"]) == ("refused", "InvalidInput")
    assert "exactly one of csm_id and pool_id" in refused["reason"]["message"]
    assert runtime.use_cases["get_account"](ORG, account_id).primary_csm_id is None


def test_an_unknown_pool_is_refused_as_not_found(runtime, uow, pool):
    send(runtime, uow, ASSIGN, request_id="run-1:assign", account_id=unowned_account(runtime), pool_id="other")
    assert answers(uow)[-1]["reason"]["code"] == "NotFound"
