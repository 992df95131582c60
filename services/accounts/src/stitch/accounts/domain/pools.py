"""CSM pools: named groups of CSMs that new accounts are assigned from, by a rule.

``round_robin`` gives accounts to the members in their order, one each in turn; ``fewest_active``
gives each account to the member with the fewest active accounts (ties: pool order). With a
``capacity``, nobody gets another account while they own that many active ones; a member who
cannot own accounts now (deactivated, or no longer a CSM or admin) is passed over. When nobody can
take the account, the pool is full: the caller reports the overflow, the pool chooses no one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from stitch.accounts.domain.errors import InvalidInput, Violation
from stitch.accounts.domain.states import AccountStatus

NAME_LIMIT = 100
DESCRIPTION_LIMIT = 2000
MEMBER_LIMIT = 100
CAPACITY_MAX = 10_000
MEMBER_ID_LIMIT = 64  # the accounts table's primary_csm_id
# What an owner is still working on: these count against a member's capacity.
ACTIVE_STATUSES = frozenset({AccountStatus.PENDING_HANDOFF, AccountStatus.ACTIVE, AccountStatus.AT_RISK})
EDITABLE = ("name", "description", "rule", "capacity", "members")


class PoolRule(StrEnum):
    ROUND_ROBIN = "round_robin"
    FEWEST_ACTIVE = "fewest_active"


def counts_as_active(status: AccountStatus | str, archived: bool) -> bool:
    """Whether an owned account counts against its owner's capacity."""
    return not archived and AccountStatus(status) in ACTIVE_STATUSES


def name_key(name: str) -> str:
    """Names are unique per organization whatever their case ("Enterprise" = "ENTERPRISE")."""
    return name.strip().casefold()


@dataclasses.dataclass
class Pool:
    id: str
    org_id: str
    name: str
    rule: PoolRule
    members: list[str]  # staff user ids, in round-robin order
    description: str = ""
    capacity: int | None = None  # active accounts a member may own before the pool passes them over
    next_index: int = 0  # round robin: the position whose turn it is
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 0

    @classmethod
    def create(cls, pool_id: str, org_id: str, fields: Mapping[str, Any], now: datetime) -> Pool:
        missing = [Violation(name, "required") for name in ("name", "rule", "members") if name not in fields]
        if missing:
            raise InvalidInput(missing)
        pool = cls(id=pool_id, org_id=org_id, name="", rule=PoolRule.ROUND_ROBIN, members=[], created_at=now)
        pool._set(fields)
        return pool

    def change(self, changes: Mapping[str, Any], now: datetime) -> None:
        """The keys given replace the pool's; capacity None removes the cap. A member whose turn
        it was keeps it if they stay in the pool (see :meth:`_keep_turn`)."""
        self._set(changes)
        self.updated_at = now

    @property
    def key(self) -> str:
        return name_key(self.name)

    def choose(self, loads: Mapping[str, int], available: Collection[str]) -> str | None:
        """The member the next account goes to, or None when nobody can take it (the overflow).

        ``loads``: each member's active accounts now; ``available``: who may own accounts now.
        Nothing changes here: once the account is theirs, :meth:`took` moves the turn on.
        """
        takers = [(position, member) for position, member in enumerate(self.members)
                  if member in available and not self.at_capacity(member, loads)]
        if not takers:
            return None
        if self.rule is PoolRule.FEWEST_ACTIVE:
            return min(takers, key=lambda taker: (loads.get(taker[1], 0), taker[0]))[1]
        start = self._turn()
        return min(takers, key=lambda taker: (taker[0] - start) % len(self.members))[1]

    def took(self, member: str) -> None:
        """``member`` got an account: in round robin, the turn passes to the one after them."""
        if self.rule is PoolRule.ROUND_ROBIN and member in self.members:
            self.next_index = (self.members.index(member) + 1) % len(self.members)

    def at_capacity(self, member: str, loads: Mapping[str, int]) -> bool:
        return self.capacity is not None and loads.get(member, 0) >= self.capacity

    def whose_turn(self) -> str:
        return self.members[self._turn()]

    def _turn(self) -> int:
        # Past the end (the stored turn of a longer member list): the round starts over.
        return self.next_index if 0 <= self.next_index < len(self.members) else 0

    # -- validation ------------------------------------------------------------------------------
    def _set(self, fields: Mapping[str, Any]) -> None:
        problems: list[Violation] = []
        unknown = sorted(set(fields) - set(EDITABLE))
        problems += [Violation(name, "unknown field") for name in unknown]
        checks = {"name": _name, "description": _description, "rule": _rule, "capacity": _capacity,
                  "members": _members}
        checked: dict[str, Any] = {}
        for name, check in checks.items():
            if name in fields:
                try:
                    checked[name] = check(fields[name])
                except InvalidInput as invalid:
                    problems += invalid.violations
        if problems:
            raise InvalidInput(problems)
        if "members" in checked:
            self._keep_turn(checked["members"])
        for name, value in checked.items():
            setattr(self, name, value)

    def _keep_turn(self, members: list[str]) -> None:
        """The member whose turn it is keeps it in the new list; if they left, the turn stays at
        the same position (the start again when the list is now shorter)."""
        if not self.members:
            self.next_index = 0
            return
        current = self.whose_turn()
        if current in members:
            self.next_index = members.index(current)
        else:
            self.next_index = self._turn() if self._turn() < len(members) else 0


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(("name", "must be a non-empty string"))
    if len(value.strip()) > NAME_LIMIT or len(name_key(value)) > NAME_LIMIT:  # ß folds to ss: the key grows
        raise InvalidInput(("name", f"must be at most {NAME_LIMIT} characters"))
    return value.strip()


def _description(value: Any) -> str:
    if not isinstance(value, str) or len(value) > DESCRIPTION_LIMIT:
        raise InvalidInput(("description", f"must be a string of at most {DESCRIPTION_LIMIT} characters"))
    return value


def _rule(value: Any) -> PoolRule:
    if value not in {rule.value for rule in PoolRule}:
        raise InvalidInput(("rule", f"must be one of {', '.join(rule.value for rule in PoolRule)}"))
    return PoolRule(value)


def _capacity(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= CAPACITY_MAX:
        raise InvalidInput(("capacity", f"must be a whole number from 1 to {CAPACITY_MAX}, or null for no cap"))
    return value


def _members(value: Any) -> list[str]:
    if not isinstance(value, list) or not 1 <= len(value) <= MEMBER_LIMIT:
        raise InvalidInput(("members", f"must list 1 to {MEMBER_LIMIT} staff user ids"))
    problems, seen = [], set()
    for index, member in enumerate(value):
        if not isinstance(member, str) or not 1 <= len(member) <= MEMBER_ID_LIMIT:
            problems.append(Violation(f"members.{index}", "must be a staff user id"))
        elif member in seen:
            problems.append(Violation(f"members.{index}", "is in the pool already: list each member once"))
        else:
            seen.add(member)
    if problems:
        raise InvalidInput(problems)
    return list(value)
