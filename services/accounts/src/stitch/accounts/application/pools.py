"""CSM pools: admins keep them; accounts are assigned from them by hand, in bulk and by workflows.

Every assignment locks the pool row first, then the account (one order everywhere, so a bulk run
and a single assignment never deadlock), and works from the members' active-account counts read
once under that lock and kept current in memory. Concurrent assignments from one pool therefore
take turns: the round-robin order and the caps hold. Two pools sharing a member lock separately;
a cap counts everything the member owns, but holds exactly only among one pool's assignments.

A bulk run leaves accounts that already have an owner alone unless ``reassign`` is sent: taking
an account away from its CSM is a transfer, which a person should ask for explicitly (they are
reported as refused with the rule ``account.already_owned``). With ``reassign``, the account's own
count leaves its current owner first, so the rule may give it back to them (unchanged).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Collection
from typing import Any, Protocol

from stitch.accounts.application.accounts import check_staff
from stitch.accounts.application.common import Actor, Deps, on_account
from stitch.accounts.application.ports import StaffUser, UnitOfWork
from stitch.accounts.domain.account import Account
from stitch.accounts.domain.errors import InvalidInput, NotAllowed, NotFound, RuleBroken, Violation
from stitch.accounts.domain.pools import Pool, counts_as_active
from stitch.common.concurrency import check_version

OWNING_ROLES = frozenset({"admin", "csm"})
POOL_FULL = "pool.full"


class PoolNameTaken(Exception):
    """Another pool of the organization has this name (the unique index decided, races included)."""


class PoolRepository(Protocol):
    def add(self, pool: Pool) -> None:
        """Raises :class:`PoolNameTaken`; the pool is then at version 1."""
    def get(self, org_id: str, pool_id: str, *, for_update: bool = False) -> Pool:
        """NotFound when absent (or another org's). ``for_update`` holds the pool until commit:
        assignments from it run one after another."""
    def page(self, org_id: str, limit: int, after: tuple[str, ...] | None) -> list[Pool]:
        """By name (case-folded), then id; ``after`` is the previous page's last (name key, id)."""
    def save(self, pool: Pool) -> None:
        """Write a changed pool and bump its version, only at the version it was read at
        (StaleVersion otherwise); raises :class:`PoolNameTaken`."""
    def move_turn(self, pool: Pool) -> None:
        """Store whose turn it is (next_index) alone: assigning is not an edit, so no new version."""
    def delete(self, org_id: str, pool_id: str) -> None: ...
    def active_loads(self, org_id: str, user_ids: list[str]) -> dict[str, int]:
        """Each user's active accounts (owned, not archived, pending_handoff/active/at_risk), in one query."""
    def staff(self, org_id: str, user_ids: list[str]) -> dict[str, StaffUser]:
        """The staff read model's users among ``user_ids``, in one query."""


@dataclasses.dataclass(frozen=True)
class MemberView:
    user_id: str
    name: str | None  # None: the staff read model does not know them (yet)
    active: bool  # may own accounts now (an active CSM or admin); others are passed over
    active_accounts: int
    at_capacity: bool


@dataclasses.dataclass(frozen=True)
class PoolView:
    pool: Pool
    members: tuple[MemberView, ...]


@dataclasses.dataclass
class BulkAssignment:
    assigned: list[dict[str, str]] = dataclasses.field(default_factory=list)  # {account_id, csm_id}
    overflow: list[dict[str, str]] = dataclasses.field(default_factory=list)  # {account_id, reason}
    refused: list[dict[str, str]] = dataclasses.field(default_factory=list)  # {account_id, rule, message}
    by_member: dict[str, int] = dataclasses.field(default_factory=dict)  # active accounts after


@dataclasses.dataclass
class Assigner:
    """One pool's choices within one transaction, with the members' loads kept current."""

    pool: Pool
    loads: dict[str, int]
    available: frozenset[str]

    def assign(self, account: Account, now, actor: str | None, note: str = "") -> bool:
        """Give ``account`` to the member the rule chooses; RuleBroken ``pool.full`` when nobody can
        take it (nothing changes then). False: the chosen member owned it already."""
        counted = counts_as_active(account.status, account.archived)
        previous = account.primary_csm_id
        loads = dict(self.loads)
        if counted and previous in loads:
            loads[previous] -= 1  # the account leaves its owner, who may be chosen again
        chosen = self.pool.choose(loads, self.available)
        if chosen is None:
            raise pool_full(self.pool)
        changed = account.assign_csm(chosen, now, actor, note=note, pool_id=self.pool.id)
        self.pool.took(chosen)
        if counted:
            loads[chosen] = loads.get(chosen, 0) + 1
        self.loads = loads
        return changed


def pool_full(pool: Pool) -> RuleBroken:
    cap = f"at capacity ({pool.capacity} active accounts) or " if pool.capacity is not None else ""
    return RuleBroken(POOL_FULL, f"nobody in the pool {pool.name!r} can take another account: every member is "
                                 f"{cap}unable to own accounts now; raise the cap or add members",
                      pool_id=pool.id, pool_name=pool.name)


def assigner_for(uow: UnitOfWork, org_id: str, pool: Pool) -> Assigner:
    loads = {member: 0 for member in pool.members} | uow.pools.active_loads(org_id, pool.members)
    staff = uow.pools.staff(org_id, pool.members)
    return Assigner(pool, loads, frozenset(user_id for user_id, user in staff.items() if _may_own(user)))


def _may_own(user: StaffUser) -> bool:
    return user.active and user.role in OWNING_ROLES


# -- the pools ---------------------------------------------------------------------------------

def list_pools(deps: Deps, org_id: str, limit: int, after: tuple[str, ...] | None) -> list[PoolView]:
    with deps.uow() as uow:
        uow.set_org(org_id)
        pools = uow.pools.page(org_id, limit, after)
        members = sorted({member for pool in pools for member in pool.members})
        loads, staff = uow.pools.active_loads(org_id, members), uow.pools.staff(org_id, members)
        return [_view(pool, loads, staff) for pool in pools]


def get_pool(deps: Deps, org_id: str, pool_id: str) -> PoolView:
    with deps.uow() as uow:
        uow.set_org(org_id)
        return _read(uow, org_id, uow.pools.get(org_id, pool_id))


def create_pool(deps: Deps, org_id: str, fields: dict[str, Any]) -> PoolView:
    with deps.uow() as uow:
        uow.set_org(org_id)
        pool = Pool.create(deps.new_id(), org_id, fields, deps.clock())
        _check_members(uow, org_id, pool.members)
        _named(lambda: uow.pools.add(pool), pool)
        uow.commit()
        return _read(uow, org_id, pool)


def change_pool(deps: Deps, org_id: str, pool_id: str, changes: dict[str, Any],
                expected_version: int | None = None) -> PoolView:
    """The keys sent replace the pool's. Members new to the pool must be active CSMs or admins;
    those already in it stay even if deactivated meanwhile (they are passed over when choosing)."""
    with deps.uow() as uow:
        uow.set_org(org_id)
        pool = uow.pools.get(org_id, pool_id, for_update=True)
        check_version(pool.version, expected_version)
        before = set(pool.members)
        pool.change(changes, deps.clock())
        _check_members(uow, org_id, pool.members, known=before)
        _named(lambda: uow.pools.save(pool), pool)
        uow.commit()
        return _read(uow, org_id, pool)


def delete_pool(deps: Deps, org_id: str, pool_id: str, expected_version: int | None = None) -> None:
    """Accounts assigned from it keep their owner; their history still names the pool's id."""
    with deps.uow() as uow:
        uow.set_org(org_id)
        check_version(uow.pools.get(org_id, pool_id, for_update=True).version, expected_version)
        uow.pools.delete(org_id, pool_id)
        uow.commit()


def _check_members(uow: UnitOfWork, org_id: str, members: list[str], known: Collection[str] = ()) -> None:
    problems: list[Violation] = []
    for index, member in enumerate(members):
        if member not in known:
            try:
                check_staff(uow, org_id, member, f"members.{index}", owning=True)
            except InvalidInput as invalid:
                problems += invalid.violations
    if problems:
        raise InvalidInput(problems)


def _named(write: Callable[[], None], pool: Pool) -> None:
    try:
        write()
    except PoolNameTaken as taken:
        raise RuleBroken("pool.name_taken", f"another pool is named {pool.name!r}: choose another name",
                         name=pool.name) from taken


def _read(uow: UnitOfWork, org_id: str, pool: Pool) -> PoolView:
    return _view(pool, uow.pools.active_loads(org_id, pool.members), uow.pools.staff(org_id, pool.members))


def _view(pool: Pool, loads: dict[str, int], staff: dict[str, StaffUser]) -> PoolView:
    members = []
    for member in pool.members:
        user, load = staff.get(member), loads.get(member, 0)
        members.append(MemberView(member, user.name if user else None, bool(user and _may_own(user)), load,
                                  pool.at_capacity(member, loads)))
    return PoolView(pool, tuple(members))


# -- assigning ---------------------------------------------------------------------------------

def assign_from_pool(deps: Deps, org_id: str, account_id: str, actor: Actor, pool_id: str, *, note: str = "",
                     expected_version: int | None = None) -> Account:
    """Make the member the pool's rule chooses the account's owner (the caller must be allowed to
    change the owner); 409 ``pool.full`` when nobody can take it."""
    with deps.uow() as uow:
        uow.set_org(org_id)
        _, account = assign_one(deps, uow, org_id, account_id, actor, pool_id, note=note,
                                expected_version=expected_version)
        uow.commit()
        return account


def assign_one(deps: Deps, uow: UnitOfWork, org_id: str, account_id: str, actor: Actor, pool_id: str, *,
               note: str = "", expected_version: int | None = None,
               request_id: str | None = None) -> tuple[bool, Account]:
    """Inside ``uow``'s transaction (the workflows command runs in the consumer's): whether the
    owner changed, and the account."""
    pool = uow.pools.get(org_id, pool_id, for_update=True)
    assigner = assigner_for(uow, org_id, pool)
    result = on_account(deps, org_id, account_id, actor,
                        lambda account, turn: assigner.assign(account, turn.now, turn.actor, note),
                        expected_version=expected_version, request_id=request_id, uow=uow)
    uow.pools.move_turn(pool)
    return result


def assign_many_from_pool(deps: Deps, org_id: str, pool_id: str, actor: Actor, account_ids: list[str], *,
                          reassign: bool = False) -> BulkAssignment:
    """Each account in the order given, by the pool's rule; one transaction for all of them.

    An account nobody can take is overflow; one the rules refuse (already owned without
    ``reassign``, archived, unknown) is refused with the rule. Neither stops the others.
    """
    result = BulkAssignment()
    with deps.uow() as uow:
        uow.set_org(org_id)
        pool = uow.pools.get(org_id, pool_id, for_update=True)
        uow.accounts.lock(org_id, sorted(set(account_ids)))  # then the accounts, in one order for every run
        assigner = assigner_for(uow, org_id, pool)

        def change(account: Account, turn) -> str:
            if account.primary_csm_id is not None and not reassign:
                raise RuleBroken("account.already_owned", f"the account is owned by {account.primary_csm_id}; "
                                                          "send reassign: true to reassign it from the pool")
            assigner.assign(account, turn.now, turn.actor)
            return account.primary_csm_id

        for account_id in account_ids:
            try:
                csm_id, _ = on_account(deps, org_id, account_id, actor, change, uow=uow)
                result.assigned.append({"account_id": account_id, "csm_id": csm_id})
            except RuleBroken as refused:
                if refused.rule == POOL_FULL:
                    result.overflow.append({"account_id": account_id, "reason": refused.message})
                else:
                    result.refused.append({"account_id": account_id, "rule": refused.rule,
                                           "message": refused.message})
            except NotAllowed as refused:
                result.refused.append({"account_id": account_id, "rule": refused.rule, "message": refused.message})
            except NotFound as missing:
                result.refused.append({"account_id": account_id, "rule": "account.not_found", "message": str(missing)})
        uow.pools.move_turn(pool)
        uow.commit()
    result.by_member = {member: assigner.loads.get(member, 0) for member in pool.members}
    return result


def use_cases(deps: Deps) -> dict[str, Callable[..., Any]]:
    return {name: functools.partial(function, deps) for name, function in {
        "list_pools": list_pools, "get_pool": get_pool, "create_pool": create_pool, "change_pool": change_pool,
        "delete_pool": delete_pool, "assign_from_pool": assign_from_pool,
        "assign_many_from_pool": assign_many_from_pool,
    }.items()}


__all__ = ["Assigner", "BulkAssignment", "MemberView", "PoolNameTaken", "PoolRepository", "PoolView",
           "assign_from_pool", "assign_many_from_pool", "assign_one", "assigner_for", "change_pool", "create_pool",
           "delete_pool", "get_pool", "list_pools", "use_cases"]
