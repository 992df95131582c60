"""Use cases on an account's plan: apply a template, move milestones, and act on actions."""

from __future__ import annotations

from typing import Any

from stitch.accounts.application.accounts import revision_for
from stitch.accounts.application.common import Actor, Deps, Turn, call, on_account
from stitch.accounts.domain.account import Account
from stitch.accounts.domain.definitions import read_action_definition
from stitch.accounts.domain.ownership import Access
from stitch.accounts.domain.plan import definition_of

# Every merge field the templates service accepts (docs/templates/merge-fields.md); kept in step
# by a contract test against that table.
MERGE_FIELD_NAMES = frozenset({
    "company_name", "company_website", "contact_first_name", "contact_last_name", "contact_name",
    "contact_email", "milestone_name", "milestone_due_date", "next_milestone_name", "csm_name",
    "csm_first_name", "csm_email", "ae_name", "vendor_name", "portal_link", "onboarding_progress"})


def apply_template(deps: Deps, org_id: str, account_id: str, actor: Actor, template_id: str,
                   revision_id: str | None = None, *, confirm_reset: bool = False,
                   expected_version: int | None = None, request_id: str | None = None,
                   uow=None) -> Account:
    def change(account: Account, turn: Turn) -> bool:
        revision = revision_for(turn.uow, org_id, template_id, revision_id)
        return account.apply_template(revision, turn.now, turn.actor, confirm_reset=confirm_reset,
                                      new_id=deps.new_id)

    return on_account(deps, org_id, account_id, actor, change, expected_version=expected_version,
                      request_id=request_id, uow=uow)[1]


def with_policy(method: str, *args: Any, people: bool = False) -> Any:
    """A change calling ``method(*args, now, actor, policy[, people])``."""
    def change(account: Account, turn: Turn) -> Any:
        extra = (turn.policy, turn.people) if people else (turn.policy,)
        return getattr(account, method)(*args, turn.now, turn.actor, *extra)
    return change


def _command(change_for, needs: Access = Access.OWN):
    def use_case(deps: Deps, org_id: str, account_id: str, actor: Actor, *args: Any,
                 expected_version: int | None = None, **kwargs: Any) -> Account:
        return on_account(deps, org_id, account_id, actor, change_for(*args, **kwargs),
                          expected_version=expected_version, needs=needs)[1]
    return use_case


def _action_work(change_for):
    """Work on an action: its owner, a collaborator or an admin may do it (seed FAQ)."""
    return _command(change_for, Access.COLLABORATE)


start_milestone = _command(lambda milestone_id: with_policy("start_milestone", milestone_id))
complete_milestone = _command(lambda milestone_id: with_policy("complete_milestone", milestone_id))
block_milestone = _command(lambda milestone_id, note: call("block_milestone", milestone_id, note))
unblock_milestone = _command(lambda milestone_id: with_policy("unblock_milestone", milestone_id))
start_action = _action_work(lambda action_id: with_policy("start_action", action_id))
execute_action = _action_work(lambda action_id: with_policy("execute", action_id, people=True))
skip_action = _action_work(lambda action_id, reason="": call("skip", action_id, reason=reason))
mark_action_done = _action_work(lambda action_id: with_policy("mark_done", action_id))
edit_draft = _action_work(lambda action_id, changes: call("edit_draft", action_id, changes))
request_new_draft = _action_work(lambda action_id, instructions="": call("request_new_draft", action_id,
                                                                     instructions=instructions))
reschedule_action = _action_work(lambda action_id, delay_hours=None, at=None: call(
    "reschedule", action_id, delay_hours=delay_hours, at=at))
remove_action = _command(lambda action_id: call("remove_action", action_id))


def add_action(deps: Deps, org_id: str, account_id: str, actor: Actor, milestone_id: str, raw: Any,
               expected_version: int | None = None) -> tuple[str, Account]:
    definition = read_action_definition(raw, MERGE_FIELD_NAMES)
    action_id = deps.new_id()

    def change(account: Account, turn: Turn) -> str:
        return account.add_action(milestone_id, definition, action_id, turn.now, turn.actor, turn.policy).id

    return on_account(deps, org_id, account_id, actor, change, expected_version=expected_version)


def edit_action(deps: Deps, org_id: str, account_id: str, actor: Actor, action_id: str, raw: Any,
                expected_version: int | None = None) -> Account:
    """``raw`` may be partial: the fields given replace the action's, the rest stay."""
    def change(account: Account, turn: Turn) -> None:
        merged = {**definition_of(account.action(action_id)), **(raw if isinstance(raw, dict) else {})}
        definition = read_action_definition(merged if isinstance(raw, dict) else raw, MERGE_FIELD_NAMES)
        account.edit_action(action_id, definition, turn.now, turn.actor, turn.policy)

    return on_account(deps, org_id, account_id, actor, change, expected_version=expected_version)[1]
