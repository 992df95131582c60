"""How a command on one account runs: lock it, check the version, change it, publish, save, commit."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from stitch.accounts.application.drafting import merge_values, people_of, policy_of
from stitch.accounts.application.outgoing import publish_changes
from stitch.accounts.application.ports import UnitOfWork
from stitch.accounts.domain.account import Account
from stitch.accounts.domain.happenings import OrgPolicy, People, new_id
from stitch.accounts.domain.ownership import Access
from stitch.common.concurrency import check_version

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Deps:
    """What use cases are given by bootstrap (fakes in unit tests)."""

    uow: Callable[[], UnitOfWork]
    clock: Callable[[], datetime]
    public_url: str
    new_id: Callable[[], str] = new_id


@dataclasses.dataclass(frozen=True)
class Caller:
    """A person (or API key) acting through the API: their access to the account is checked.

    Use cases take ``actor`` as a Caller or as a plain id; a plain id (or None) is this service
    acting for itself (events, the scheduler, workflows commands), which no ownership rule limits.
    """

    user_id: str
    sees_all: bool = False  # oversees every account (the manage_accounts capability)


Actor = Caller | str | None


def actor_id(actor: Actor) -> str | None:
    return actor.user_id if isinstance(actor, Caller) else actor


def require_access(account: Account, actor: Actor, needs: Access) -> None:
    if isinstance(actor, Caller):
        account.require_access(needs, actor.user_id, sees_all=actor.sees_all)


@dataclasses.dataclass(frozen=True)
class Turn:
    """One command's moment: when, who, and the org's rules and people as they stand now."""

    now: datetime
    actor: str | None
    policy: OrgPolicy
    people: People
    uow: UnitOfWork  # for reads a change needs (revisions, staff); the account is already loaded


def on_account(deps: Deps, org_id: str, account_id: str, actor: Actor, change: Callable[[Account, Turn], T],
               *, expected_version: int | None = None, request_id: str | None = None,
               uow: UnitOfWork | None = None, needs: Access = Access.OWN) -> tuple[T, Account]:
    """Run ``change`` on the locked account and commit it with its history and events.

    A :class:`Caller` needs ``needs`` on the account (its owner, a collaborator, an admin).
    Given ``uow`` (the consumer's, whose inbox row commits with the change), it runs inside that
    transaction and leaves the commit to its owner.
    """
    if uow is not None:
        return _run(deps, uow, org_id, account_id, actor, change, expected_version, request_id, needs)
    with deps.uow() as own:
        own.set_org(org_id)
        result = _run(deps, own, org_id, account_id, actor, change, expected_version, request_id, needs)
        own.commit()
        return result


def _run(deps: Deps, uow: UnitOfWork, org_id: str, account_id: str, actor: Actor,
         change: Callable[[Account, Turn], T], expected_version: int | None,
         request_id: str | None, needs: Access) -> tuple[T, Account]:
    account = uow.accounts.get(org_id, account_id, for_update=True)
    require_access(account, actor, needs)
    check_version(account.version, expected_version)
    result = change(account, turn_for(account, uow, deps.clock(), actor_id(actor)))
    finish(uow, deps, account, request_id=request_id)
    return result, account


def turn_for(account: Account, uow: UnitOfWork, now: datetime, actor: str | None) -> Turn:
    return Turn(now=now, actor=actor, policy=policy_of(account.org_id, uow), people=people_of(account, uow), uow=uow)


def finish(uow: UnitOfWork, deps: Deps, account: Account, *, new: bool = False, request_id: str | None = None) -> None:
    """Publish what changed and write the account (history and due jobs with it)."""
    if not account.changes:
        return
    publish_changes(uow, account, merge_values(account, uow, deps.public_url), request_id)
    if new:
        uow.accounts.add(account)
    else:
        uow.accounts.save(account)


def read_account(deps: Deps, org_id: str, account_id: str) -> Account:
    with deps.uow() as uow:
        uow.set_org(org_id)
        return uow.accounts.get(org_id, account_id)


def account_now(deps: Deps, org_id: str, account_id: str) -> tuple[Account, datetime]:
    """The account and the service clock's now, read together: the implementation and timeline
    views count down (due in, days late) by the clock the scheduler fires by."""
    return read_account(deps, org_id, account_id), deps.clock()


def read_history(deps: Deps, org_id: str, account_id: str, action_id: str | None, limit: int,
                 after: int | None) -> list:
    with deps.uow() as uow:
        uow.set_org(org_id)
        account = uow.accounts.get(org_id, account_id)  # NotFound for another org's account
        if action_id is not None:
            account.action(action_id)
        return uow.accounts.history(org_id, account_id, action_id=action_id, limit=limit, after=after)


def call(method: str, *args: Any, **kwargs: Any) -> Callable[[Account, Turn], Any]:
    """A change that calls one aggregate method with the turn's time and actor (the common case)."""
    def change(account: Account, turn: Turn) -> Any:
        return getattr(account, method)(*args, now=turn.now, actor=turn.actor, **kwargs)
    return change
