"""CSM pools: who the rules choose, whom they pass over, whose turn it is after the members change."""

from __future__ import annotations

import collections
from datetime import UTC, datetime

import pytest

from stitch.accounts.domain.errors import InvalidInput
from stitch.accounts.domain.pools import Pool, PoolRule, counts_as_active, name_key
from stitch.accounts.domain.states import AccountStatus

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
A, B, C, D = "csm-a", "csm-b", "csm-c", "csm-d"


def pool(rule: str = "round_robin", members=(A, B, C), **fields) -> Pool:
    return Pool.create("pool-1", "org-1", {"name": "Enterprise", "rule": rule, "members": list(members), **fields},
                       T0)


def deal(the_pool: Pool, count: int, loads: dict[str, int] | None = None, available=None) -> list[str | None]:
    """``count`` accounts given out one after another, each counted against its new owner."""
    loads = dict(loads or {})
    available = set(the_pool.members if available is None else available)
    chosen = []
    for _ in range(count):
        member = the_pool.choose(loads, available)
        chosen.append(member)
        if member is not None:
            the_pool.took(member)
            loads[member] = loads.get(member, 0) + 1
    return chosen


# -- round robin -------------------------------------------------------------------------------------

def test_round_robin_gives_one_each_in_the_members_order_and_wraps_around():
    assert deal(pool(), 7) == [A, B, C, A, B, C, A]


def test_round_robin_starts_where_the_last_assignment_left_off():
    the_pool = pool()
    deal(the_pool, 2)
    assert the_pool.next_index == 2 and the_pool.whose_turn() == C
    assert deal(the_pool, 2) == [C, A]


def test_choosing_alone_does_not_take_the_turn():
    the_pool = pool()
    assert the_pool.choose({}, {A, B, C}) == A
    assert the_pool.choose({}, {A, B, C}) == A and the_pool.next_index == 0


def test_round_robin_passes_over_inactive_members_and_their_turn_goes_to_the_next():
    assert deal(pool(), 4, available={A, C}) == [A, C, A, C]


def test_round_robin_passes_over_members_at_capacity_and_the_turn_moves_past_the_one_chosen():
    the_pool = pool(capacity=2)
    assert deal(the_pool, 4, loads={A: 2, B: 0, C: 1}) == [B, C, B, None]
    assert the_pool.whose_turn() == C  # past B, the last one chosen


def test_thirty_accounts_over_three_members_are_ten_each_and_a_cap_of_eight_overflows_six():
    assert collections.Counter(deal(pool(), 30)) == {A: 10, B: 10, C: 10}
    capped = collections.Counter(deal(pool(capacity=8), 30))
    assert capped == {A: 8, B: 8, C: 8, None: 6}


def test_a_turn_stored_past_the_end_starts_the_round_over():
    the_pool = pool()
    the_pool.next_index = 7
    assert deal(the_pool, 2) == [A, B]


# -- fewest active ------------------------------------------------------------------------------------

def test_fewest_active_evens_out_existing_loads_and_ties_go_in_pool_order():
    chosen = deal(pool("fewest_active"), 7, loads={A: 5, B: 0, C: 2})
    assert chosen == [B, B, B, C, B, C, B]  # B=C=2, 3 and 4: B first, as listed before C
    assert collections.Counter(chosen) + collections.Counter({A: 5, C: 2}) == {A: 5, B: 5, C: 4}


def test_fewest_active_passes_over_members_at_capacity_and_inactive_ones():
    the_pool = pool("fewest_active", capacity=3)
    assert the_pool.choose({A: 3, B: 4, C: 0}, {A, B}) is None  # A and B at the cap, C inactive
    assert the_pool.choose({A: 2, B: 4, C: 0}, {A, B}) == A


def test_fewest_active_does_not_move_the_round_robin_turn():
    the_pool = pool("fewest_active")
    deal(the_pool, 2)
    assert the_pool.next_index == 0


def test_nobody_eligible_is_none_the_overflow():
    assert pool().choose({}, set()) is None
    assert pool(capacity=1).choose({A: 1, B: 1, C: 1}, {A, B, C}) is None


# -- members changed -----------------------------------------------------------------------------------

def test_the_member_whose_turn_it_is_keeps_it_when_the_members_are_reordered():
    the_pool = pool(members=(A, B, C, D))
    deal(the_pool, 2)  # C's turn
    the_pool.change({"members": [C, D, A]}, T0)
    assert the_pool.whose_turn() == C and deal(the_pool, 3) == [C, D, A]


def test_when_the_member_whose_turn_it_was_leaves_the_turn_stays_at_their_position():
    the_pool = pool(members=(A, B, C, D))
    deal(the_pool, 1)  # B's turn, at position 1
    the_pool.change({"members": [A, C, D]}, T0)
    assert the_pool.whose_turn() == C


def test_when_the_list_shrinks_below_the_turn_the_round_starts_over():
    the_pool = pool(members=(A, B, C, D))
    deal(the_pool, 3)  # D's turn, at position 3
    the_pool.change({"members": [A, B]}, T0)
    assert the_pool.next_index == 0 and deal(the_pool, 3) == [A, B, A]


# -- what a pool must hold ------------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "paths"), [
    ({"name": "  "}, ["name"]),
    ({"name": "x" * 101}, ["name"]),
    ({"rule": "random"}, ["rule"]),
    ({"capacity": 0}, ["capacity"]),
    ({"capacity": 10_001}, ["capacity"]),
    ({"capacity": True}, ["capacity"]),
    ({"members": []}, ["members"]),
    ({"members": [f"csm-{n}" for n in range(101)]}, ["members"]),
    ({"members": [A, B, A, ""]}, ["members.2", "members.3"]),
    ({"description": "x" * 2001, "rule": "fifo"}, ["description", "rule"]),
])
def test_a_pool_refuses_what_it_cannot_hold_naming_every_field(fields, paths):
    with pytest.raises(InvalidInput) as refused:
        pool(**fields)
    assert [v.path for v in refused.value.violations] == paths


def test_a_new_pool_needs_a_name_a_rule_and_members():
    with pytest.raises(InvalidInput) as refused:
        Pool.create("pool-1", "org-1", {"description": "no"}, T0)
    assert [v.path for v in refused.value.violations] == ["name", "rule", "members"]


def test_a_refused_change_changes_nothing():
    the_pool = pool(capacity=5)
    with pytest.raises(InvalidInput):
        the_pool.change({"name": "Renamed", "capacity": -1}, T0)
    assert (the_pool.name, the_pool.capacity, the_pool.updated_at) == ("Enterprise", 5, None)


def test_null_capacity_removes_the_cap_and_names_are_compared_without_case():
    the_pool = pool(capacity=5)
    the_pool.change({"capacity": None, "rule": "fewest_active", "name": "  ENTERPRISE west "}, T0)
    assert (the_pool.capacity, the_pool.rule, the_pool.name) == (None, PoolRule.FEWEST_ACTIVE, "ENTERPRISE west")
    assert the_pool.key == name_key("enterprise WEST") == "enterprise west"


@pytest.mark.parametrize(("status", "archived", "active"), [
    (AccountStatus.PENDING_HANDOFF, False, True), (AccountStatus.ACTIVE, False, True),
    (AccountStatus.AT_RISK, False, True), (AccountStatus.COMPLETED, False, False),
    (AccountStatus.CHURNED, False, False), (AccountStatus.ACTIVE, True, False)])
def test_what_counts_as_an_active_account(status, archived, active):
    assert counts_as_active(status, archived) is active
