"""CSM pools through the use cases, on SQLite and on PostgreSQL under RLS: the rules over many
accounts, the caps and the overflow, every assignment on the history and in the outbox, the
workflows command with a pool, and two bulk requests racing over one pool on PostgreSQL."""

from __future__ import annotations

import collections
import itertools
import threading
import types
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from stitch.accounts import config
from stitch.accounts.adapters.tables import account_history, metadata
from stitch.accounts.application.accounts import NewAccount
from stitch.accounts.application.common import Caller
from stitch.accounts.application.ports import StaffUser
from stitch.accounts.bootstrap import bootstrap
from stitch.accounts.domain.errors import InvalidInput, NotAllowed, NotFound, RuleBroken
from stitch.accounts.domain.states import AccountStatus
from stitch.common.concurrency import StaleVersion
from stitch.common.envelope import new_event
from stitch.common.testing.racing import all_at_once

pytestmark = pytest.mark.integration
CSMS = ("csm-1", "csm-2", "csm-3")
ADMIN = Caller("admin-1", sees_all=True)


class Ticking:
    """A clock that moves a microsecond per reading: history rows from racing threads keep the
    order in which their assignments were made."""

    def __init__(self, start) -> None:
        self._ticks, self._start, self._lock = itertools.count(), start, threading.Lock()

    def __call__(self):
        with self._lock:
            return self._start + timedelta(microseconds=next(self._ticks))


def setup(store, kit, staff=CSMS) -> types.SimpleNamespace:
    runtime = bootstrap(config.load(), uow=store.uow, clock=Ticking(kit.T0))
    with store.uow() as uow:
        uow.set_org(kit.ORG)
        for user_id in (*staff, "admin-1"):
            uow.staff.upsert(kit.ORG, StaffUser(user_id, f"Name of {user_id}", f"{user_id}@vendor.example",
                                                "admin" if user_id.startswith("admin") else "csm", True), kit.T0)
        uow.commit()
    use = runtime.use_cases

    def accounts(count: int, csm_id: str | None = None) -> list[str]:
        return [use["create_account"](kit.ORG, "admin-1", NewAccount(
            details={"company_name": f"Customer {n}"}, csm_id=csm_id,
            contacts=({"name": "Jo Doe", "email": f"jo{n}@customer.example"},)))[0].id for n in range(count)]

    def owners(account_ids) -> collections.Counter:
        return collections.Counter(use["get_account"](kit.ORG, a).primary_csm_id for a in account_ids)

    def pool(rule="round_robin", members=CSMS, **fields):
        return use["create_pool"](kit.ORG, {"name": f"Pool {rule}", "rule": rule, "members": list(members),
                                            **fields}).pool

    def db_rows(query):
        with store.engine.connect() as db:
            if store.dialect == "postgresql":  # the rows are under RLS
                db.execute(select(func.set_config("app.org_id", kit.ORG, False)))
            return db.execute(query).all()

    return types.SimpleNamespace(use=use, runtime=runtime, accounts=accounts, owners=owners, pool=pool,
                                 db_rows=db_rows)


@pytest.fixture
def pools(store, kit):
    return setup(store, kit)


def bulk(pools, kit, pool, account_ids, **options):
    return pools.use["assign_many_from_pool"](kit.ORG, pool.id, ADMIN, account_ids, **options)


# -- the acceptance: 30 accounts, 3 CSMs ----------------------------------------------------------

def test_round_robin_over_thirty_accounts_gives_ten_each_on_the_history_and_in_events(pools, kit):
    pool, account_ids = pools.pool(), pools.accounts(30)
    result = bulk(pools, kit, pool, account_ids)
    assert [a["csm_id"] for a in result.assigned] == list(CSMS) * 10
    assert (result.overflow, result.refused) == ([], [])
    assert pools.owners(account_ids) == {csm: 10 for csm in CSMS}
    assert result.by_member == {csm: 10 for csm in CSMS}
    history = pools.db_rows(select(account_history.c.account_id, account_history.c.detail)
                            .where(account_history.c.kind == "csm_assigned"))
    assert sorted(row.account_id for row in history) == sorted(account_ids)
    assert {row.detail["pool_id"] for row in history} == {pool.id}
    outbox = metadata.tables["outbox"]
    events = [row.envelope["data"] for row in pools.db_rows(select(outbox.c.envelope).where(
        outbox.c.routing_key == "accounts.csm_assigned.v1"))]
    assert sorted((e["account_id"], e["csm_id"], e["pool_id"]) for e in events) == sorted(
        (a["account_id"], a["csm_id"], pool.id) for a in result.assigned)


def test_a_cap_of_eight_keeps_everyone_at_eight_and_reports_six_as_overflow(pools, kit):
    pool, account_ids = pools.pool(capacity=8), pools.accounts(30)
    result = bulk(pools, kit, pool, account_ids)
    assert len(result.assigned) == 24 and result.refused == []
    assert [o["account_id"] for o in result.overflow] == account_ids[24:]
    assert all(pool.name in o["reason"] for o in result.overflow)
    owned = pools.owners(account_ids)
    assert owned == {**{csm: 8 for csm in CSMS}, None: 6}
    assert result.by_member == {csm: 8 for csm in CSMS}
    view = pools.use["get_pool"](kit.ORG, pool.id)
    assert [(m.user_id, m.active_accounts, m.at_capacity) for m in view.members] == [(c, 8, True) for c in CSMS]


def test_fewest_active_evens_out_loads_of_five_none_and_two(pools, kit):
    for csm, count in zip(CSMS, (5, 0, 2), strict=True):
        pools.accounts(count, csm_id=csm)
    for churned in pools.accounts(3, csm_id="csm-2"):  # not active: csm-2 still has none that count
        pools.use["set_status"](kit.ORG, churned, ADMIN, AccountStatus.CHURNED.value)
    pool, account_ids = pools.pool("fewest_active"), pools.accounts(7)
    result = bulk(pools, kit, pool, account_ids)
    assert [a["csm_id"] for a in result.assigned] == ["csm-2", "csm-2", "csm-2", "csm-3", "csm-2", "csm-3", "csm-2"]
    assert result.by_member == {"csm-1": 5, "csm-2": 5, "csm-3": 4}
    assert pools.owners(account_ids) == {"csm-2": 5, "csm-3": 2}


# -- one account at a time ----------------------------------------------------------------------------

def test_assigning_one_account_takes_the_next_turn_and_a_full_pool_changes_nothing(pools, kit):
    pool, (first, second, third) = pools.pool(capacity=1, members=CSMS[:2]), pools.accounts(3)
    use = pools.use
    assert use["assign_from_pool"](kit.ORG, first, ADMIN, pool.id, note="New region").primary_csm_id == "csm-1"
    assert use["assign_from_pool"](kit.ORG, second, ADMIN, pool.id).primary_csm_id == "csm-2"
    before = use["get_account"](kit.ORG, third)
    with pytest.raises(RuleBroken) as full:
        use["assign_from_pool"](kit.ORG, third, ADMIN, pool.id)
    assert (full.value.rule, full.value.details) == ("pool.full", {"pool_id": pool.id, "pool_name": pool.name})
    after = use["get_account"](kit.ORG, third)
    assert (after.primary_csm_id, after.version) == (None, before.version)
    [entry] = [h for h in use["history"](kit.ORG, first, None, 50, None) if h.kind == "csm_assigned"]
    assert entry.detail == {"csm_id": "csm-1", "previous_csm_id": None, "note": "New region", "pool_id": pool.id}


def test_the_caller_must_be_allowed_to_change_the_owner(pools, kit):
    pool, [owned] = pools.pool(), pools.accounts(1, csm_id="csm-3")
    with pytest.raises(NotAllowed):
        pools.use["assign_from_pool"](kit.ORG, owned, Caller("csm-1"), pool.id)
    assert pools.use["assign_from_pool"](kit.ORG, owned, Caller("csm-3"), pool.id).primary_csm_id == "csm-1"


def test_an_unknown_pool_or_another_orgs_pool_is_not_found(pools, kit):
    pool, [account_id] = pools.pool(), pools.accounts(1)
    with pytest.raises(NotFound):
        pools.use["assign_from_pool"](kit.ORG, account_id, ADMIN, "no-such-pool")
    with pytest.raises(NotFound):
        pools.use["get_pool"](kit.OTHER, pool.id)
    with pytest.raises(NotFound):
        pools.use["assign_many_from_pool"](kit.OTHER, pool.id, ADMIN, [account_id])


# -- bulk: owners, reassigning, refusals -----------------------------------------------------------------

def test_bulk_leaves_owned_accounts_alone_unless_reassign_is_sent(pools, kit):
    pool = pools.pool(members=("csm-1", "csm-2"))
    owned = pools.accounts(2, csm_id="csm-3")
    free = pools.accounts(1)
    archived = pools.accounts(1)[0]
    pools.use["archive"](kit.ORG, archived, ADMIN, "lost")
    result = bulk(pools, kit, pool, [*owned, *free, archived, "missing"])
    assert result.assigned == [{"account_id": free[0], "csm_id": "csm-1"}]
    assert [(r["account_id"], r["rule"]) for r in result.refused] == [
        (owned[0], "account.already_owned"), (owned[1], "account.already_owned"), (archived, "account.archived"),
        ("missing", "account.not_found")]
    again = bulk(pools, kit, pool, owned, reassign=True)
    assert [a["csm_id"] for a in again.assigned] == ["csm-2", "csm-1"]
    assert pools.owners(owned) == {"csm-2": 1, "csm-1": 1}
    assert again.by_member == {"csm-1": 2, "csm-2": 1}


def test_reassigning_takes_the_accounts_own_count_off_its_owner_first(pools, kit):
    pool = pools.pool("fewest_active", members=("csm-1", "csm-2"), capacity=1)
    [mine] = pools.accounts(1, csm_id="csm-1")
    pools.accounts(1, csm_id="csm-2")
    result = bulk(pools, kit, pool, [mine], reassign=True)  # csm-1 is at the cap only with this account
    assert (result.assigned, result.overflow) == ([{"account_id": mine, "csm_id": "csm-1"}], [])


def test_members_who_cannot_own_accounts_are_passed_over(pools, kit):
    pool = pools.pool()
    with pools.runtime.uow() as uow:
        uow.set_org(kit.ORG)
        uow.staff.upsert(kit.ORG, StaffUser("csm-2", "Gone", "csm-2@vendor.example", "csm", False), kit.at(1))
        uow.commit()
    result = bulk(pools, kit, pool, pools.accounts(4))
    assert [a["csm_id"] for a in result.assigned] == ["csm-1", "csm-3", "csm-1", "csm-3"]
    view = pools.use["get_pool"](kit.ORG, pool.id)
    assert [(m.user_id, m.name, m.active) for m in view.members] == [
        ("csm-1", "Name of csm-1", True), ("csm-2", "Gone", False), ("csm-3", "Name of csm-3", True)]


def test_only_active_accounts_count_against_the_cap(pools, kit):
    pool = pools.pool(members=("csm-1",), capacity=1)
    [done] = pools.accounts(1, csm_id="csm-1")
    pools.use["set_status"](kit.ORG, done, ADMIN, AccountStatus.CHURNED.value)
    assert len(bulk(pools, kit, pool, pools.accounts(2)).overflow) == 1


# -- the pools themselves ---------------------------------------------------------------------------------

def test_names_are_unique_per_org_whatever_the_case_and_members_must_own_accounts(pools, kit):
    use = pools.use
    pool = pools.pool()
    with pytest.raises(RuleBroken) as taken:
        use["create_pool"](kit.ORG, {"name": "POOL ROUND_ROBIN", "rule": "fewest_active", "members": ["csm-1"]})
    assert taken.value.rule == "pool.name_taken"
    other = use["create_pool"](kit.ORG, {"name": "West", "rule": "fewest_active", "members": ["csm-1"]}).pool
    with pytest.raises(RuleBroken):
        use["change_pool"](kit.ORG, other.id, {"name": "pool Round_Robin"})
    with pytest.raises(InvalidInput) as invalid:
        use["create_pool"](kit.ORG, {"name": "East", "rule": "round_robin", "members": ["csm-1", "nobody"]})
    assert [v.path for v in invalid.value.violations] == ["members.1"]
    assert use["get_pool"](kit.ORG, pool.id).pool.version == 1


def test_changes_need_the_version_read_and_assigning_is_not_a_change(pools, kit):
    use, pool = pools.use, pools.pool()
    bulk(pools, kit, pool, pools.accounts(2))
    assert use["get_pool"](kit.ORG, pool.id).pool.version == 1
    changed = use["change_pool"](kit.ORG, pool.id, {"members": ["csm-3", "csm-2"], "capacity": 4},
                                 expected_version=1)
    assert (changed.pool.version, changed.pool.whose_turn(), changed.pool.capacity) == (2, "csm-3", 4)
    with pytest.raises(StaleVersion):
        use["change_pool"](kit.ORG, pool.id, {"capacity": None}, expected_version=1)
    with pytest.raises(StaleVersion):
        use["delete_pool"](kit.ORG, pool.id, expected_version=1)
    use["delete_pool"](kit.ORG, pool.id, expected_version=2)
    with pytest.raises(NotFound):
        use["get_pool"](kit.ORG, pool.id)


def test_pools_are_listed_by_name_a_page_at_a_time_and_only_the_orgs(pools, kit):
    use = pools.use
    for name in ("charlie", "Alpha", "bravo"):
        use["create_pool"](kit.ORG, {"name": name, "rule": "round_robin", "members": ["csm-1"]})
    first = use["list_pools"](kit.ORG, 2, None)
    assert [v.pool.name for v in first] == ["Alpha", "bravo"]
    rest = use["list_pools"](kit.ORG, 2, (first[-1].pool.key, first[-1].pool.id))
    assert [v.pool.name for v in rest] == ["charlie"]
    assert use["list_pools"](kit.OTHER, 10, None) == []


# -- the workflows command ----------------------------------------------------------------------------------

def command(pools, kit, **data) -> dict:
    event_type = "workflows.csm_assignment_requested.v1"
    event = new_event("workflows", event_type, {"requested_at": kit.T0.isoformat(), **data}, kit.ORG)
    with pools.runtime.uow() as uow:
        uow.set_org(kit.ORG)
        pools.runtime.event_handlers[event_type](event, uow)
        uow.commit()
        [answer] = [e.data for e in uow.published if e.type == "accounts.request_answered.v1"]
        return answer


def test_the_workflows_command_assigns_from_a_pool_and_a_full_pool_is_refused(pools, kit):
    pool, (first, second) = pools.pool(members=("csm-2",), capacity=1), pools.accounts(2)
    done = command(pools, kit, request_id="run-1:assign", account_id=first, pool_id=pool.id)
    assert (done["outcome"], pools.use["get_account"](kit.ORG, first).primary_csm_id) == ("done", "csm-2")
    refused = command(pools, kit, request_id="run-2:assign", account_id=second, pool_id=pool.id)
    assert (refused["outcome"], refused["reason"]["code"]) == ("refused", "pool.full")
    assert pool.name in refused["reason"]["message"]
    assert pools.use["get_account"](kit.ORG, second).primary_csm_id is None


# -- racing on PostgreSQL ---------------------------------------------------------------------------------------

def test_two_bulk_requests_racing_over_one_pool_keep_its_turns(postgres_store, kit):
    members = ("csm-1", "csm-2", "csm-3", "csm-4")
    pools = setup(postgres_store, kit, staff=members)
    pool = pools.pool(members=members)
    batches = [pools.accounts(20), pools.accounts(20)]
    results = all_at_once(2, lambda i: bulk(pools, kit, pool, batches[i]))
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert pools.owners(batches[0] + batches[1]) == {member: 10 for member in members}
    # In the order the assignments happened, every member's turn came once a round: no double turns.
    happened = pools.db_rows(select(account_history.c.detail).where(account_history.c.kind == "csm_assigned")
                             .order_by(account_history.c.at))
    assert [row.detail["csm_id"] for row in happened] == list(members) * 10
    assert pools.use["get_pool"](kit.ORG, pool.id).pool.whose_turn() == "csm-1"
