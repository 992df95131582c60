"""One account per CRM deal, through the use cases on PostgreSQL: racing creates all answer with the
same account, and moving an account onto another's deal is refused naming the rule."""

from __future__ import annotations

import pytest

from stitch.accounts import config
from stitch.accounts.application.accounts import NewAccount
from stitch.accounts.bootstrap import bootstrap
from stitch.accounts.domain.errors import RuleBroken
from stitch.common.testing.racing import all_at_once


def new(deal: str) -> NewAccount:
    return NewAccount(details={"company_name": "Acme", "crm_source": "hubspot", "external_id": deal},
                      contacts=({"name": "Jo Doe", "email": "jo@acme.test"},))


def test_racing_creates_for_one_deal_answer_with_one_account(postgres_store, kit):
    runtime = bootstrap(config.load(), uow=postgres_store.uow, clock=lambda: kit.T0)
    results = all_at_once(8, lambda _i: runtime.use_cases["create_account"](kit.ORG, "csm-1", new("deal-7")))
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert len({account.id for account, _created in results}) == 1
    assert sorted(created for _account, created in results) == [False] * 7 + [True]


def test_an_account_cannot_move_onto_another_accounts_deal(postgres_store, kit):
    runtime = bootstrap(config.load(), uow=postgres_store.uow, clock=lambda: kit.T0)
    first, _ = runtime.use_cases["create_account"](kit.ORG, "csm-1", new("deal-1"))
    second, _ = runtime.use_cases["create_account"](kit.ORG, "csm-1", new("deal-2"))
    with pytest.raises(RuleBroken) as refused:
        runtime.use_cases["change_details"](kit.ORG, second.id, "csm-1", {"external_id": "deal-1"})
    assert refused.value.rule == "account.deal_taken" and refused.value.details == {"account_id": first.id}
