"""Any sequence of commands, valid or not, leaves the account consistent; a refusal leaves it untouched."""

from __future__ import annotations

import copy
from datetime import timedelta

from hypothesis import event, given, settings
from hypothesis import strategies as st

from stitch.accounts.domain.errors import InvalidInput, NotFound, RuleBroken
from stitch.accounts.domain.happenings import OrgPolicy, People
from stitch.accounts.domain.states import (DONE_STATES, DRAFTED_TYPES, AccountStatus, ActionState, ActionType,
                                           MilestoneState)

POLICIES = [
    OrgPolicy(),
    OrgPolicy(review_portal_tasks=True),
    OrgPolicy(auto_send=frozenset({"SEND_EMAIL", "SLACK"}), slack_connected=True),
    OrgPolicy(slack_connected=True, calendar_connected=True, review_portal_tasks=True),
]
MILESTONE_COMMANDS = ["start_milestone", "complete_milestone", "block_milestone", "unblock_milestone"]
ACTION_COMMANDS = ["start_action", "attach_draft", "edit_draft", "request_new_draft", "execute", "deliver_ok",
                   "deliver_fail", "mark_done", "skip", "reschedule", "fire_due", "customer_submitted"]
ACCOUNT_COMMANDS = ["add_contact", "change_contact", "archive", "unarchive"]
EDITS = {ActionType.SEND_EMAIL: "subject", ActionType.SLACK: "message", ActionType.SCHEDULE_MEETING: "title"}

# The state a command works from, so that half the targets are aimed at something it can act on.
AIMS = {"start_milestone": {MilestoneState.PENDING}, "complete_milestone": {MilestoneState.IN_PROGRESS},
        "block_milestone": {MilestoneState.PENDING, MilestoneState.IN_PROGRESS},
        "unblock_milestone": {MilestoneState.BLOCKED},
        "start_action": {ActionState.PENDING}, "attach_draft": {ActionState.REVIEW_PENDING},
        "edit_draft": {ActionState.READY}, "request_new_draft": {ActionState.READY},
        "execute": {ActionState.READY}, "deliver_ok": {ActionState.EXECUTING},
        "deliver_fail": {ActionState.EXECUTING}, "mark_done": {ActionState.EXECUTED, ActionState.READY},
        "skip": {ActionState.PENDING, ActionState.REVIEW_PENDING, ActionState.READY},
        "reschedule": {ActionState.PENDING}, "fire_due": {ActionState.PENDING},
        "customer_submitted": {ActionState.EXECUTED}}

steps = st.lists(st.tuples(st.sampled_from(MILESTONE_COMMANDS * 3 + ACTION_COMMANDS * 2 + ACCOUNT_COMMANDS),
                           st.integers(0, 3).map(bool),  # mostly aim at a target in the state the command needs
                           st.integers(0, 15),  # the target: an index into the plan; past its end, an unknown id
                           st.integers(0, 3),  # which argument: 0 is usually a wrong one
                           st.integers(0, 30)),  # hours that pass before the step
                 min_size=10, max_size=60)


def pick(items: list, index: int, unknown: str, aim: set | None = None) -> str:
    aimed = [item for item in items if aim and item.state in aim]
    if aimed:
        return aimed[index % len(aimed)].id
    ids = [item.id for item in items] + [unknown]
    return ids[index % len(ids)]


def run(kit, account, command, aim, target, variant, now, policy, people, n):
    """One command; returns what it returned (a bool for the automation's callbacks)."""
    if command in MILESTONE_COMMANDS:
        milestone_id = pick(account.milestones, target, "no-such-milestone", aim)
        if command == "block_milestone":
            return account.block_milestone(milestone_id, "" if variant == 0 else "waiting", now, kit.CSM_ID)
        if command == "unblock_milestone":
            return account.unblock_milestone(milestone_id, now, kit.CSM_ID)
        return getattr(account, command)(milestone_id, now, kit.CSM_ID, policy)
    if command == "add_contact":
        email = ["new@acme.example", "DANA@acme.example", "bad address"][variant % 3]
        return account.add_contact(f"c-{n}", {"name": "New Person", "email": email, "is_primary": variant == 1},
                                   now, kit.CSM_ID)
    if command == "change_contact":
        contact_id = pick(account.contacts, target, "no-such-contact")
        return account.change_contact(contact_id, {"is_primary": variant % 2 == 1}, now, kit.CSM_ID)
    if command == "archive":
        return account.archive("paused", now, kit.CSM_ID)
    if command == "unarchive":
        return account.unarchive("back", now, kit.CSM_ID)

    action_id = pick(account.actions(), target, "no-such-action", aim)
    action = next((a for a in account.actions() if a.id == action_id), None)
    if command == "start_action":
        return account.start_action(action_id, now, kit.CSM_ID, policy)
    if command == "attach_draft":
        request = (action.draft_request if action else None) if variant else "stale-request"
        fields = dict(kit.DRAFTS.get(action.type if action else None, {"note": "x"}))
        if variant == 3 and action and action.type in EDITS:
            fields[EDITS[action.type]] = "Hi {{contact_first_name}}"  # a placeholder the drafter left
        return account.attach_draft(action_id, request or "none", fields, (), "ai", now, policy, people)
    if command == "edit_draft":
        field = EDITS.get(action.type, "subject") if action else "subject"
        changes = {0: {"not_a_field": "x"}, 1: {field: f"Edited {n}"}, 2: {field: "Hi {{portal_link}}"},
                   3: {field: 42}}[variant]
        return account.edit_draft(action_id, changes, now, kit.CSM_ID)
    if command == "request_new_draft":
        return account.request_new_draft(action_id, now, kit.CSM_ID, "again")
    if command == "execute":
        return account.execute(action_id, now, kit.CSM_ID, policy, people)
    if command in ("deliver_ok", "deliver_fail"):
        request = (action.delivery_request if action else None) if variant else "unknown-request"
        if command == "deliver_ok":
            return account.delivery_succeeded(request or "none", now)
        return account.delivery_failed(request or "none", "smtp.rejected", "mailbox full", now)
    if command == "mark_done":
        return account.mark_done(action_id, now, kit.CSM_ID)
    if command == "skip":
        return account.skip(action_id, now, kit.CSM_ID, "not needed")
    if command == "reschedule":
        arguments = {0: {"delay_hours": 12}, 1: {"at": now + timedelta(hours=5)},
                     2: {"at": now - timedelta(hours=1)}, 3: {}}[variant]
        return account.reschedule(action_id, now, kit.CSM_ID, **arguments)
    if command == "fire_due":
        return account.fire_due(action_id, now, policy)
    assert command == "customer_submitted"
    return account.customer_submitted(action_id, f"submission-{n}", now)


def check_invariants(account) -> None:
    primaries = [c for c in account.contacts if c.is_primary]
    assert len(primaries) == (1 if account.contacts else 0)
    requests = [a.delivery_request for a in account.actions() if a.delivery_request]
    assert len(requests) == len(set(requests))
    for action in account.actions():
        assert (action.state is ActionState.EXECUTING) == (action.delivery_request is not None), action
        assert (action.state is ActionState.REVIEW_PENDING) == (action.draft_request is not None), action
        if action.state is ActionState.READY and action.type in DRAFTED_TYPES:
            assert action.draft is not None, action
        if action.due_at is not None:
            assert action.state is ActionState.PENDING, action
        if action.state in (ActionState.EXECUTED, ActionState.COMPLETED) and not action.is_portal_task \
                and action.type not in (ActionType.SLACK, ActionType.SCHEDULE_MEETING):
            assert action.draft is not None, action  # nothing was sent without a draft
    for milestone in account.milestones:
        if milestone.state is MilestoneState.COMPLETED:
            assert milestone.completed_at is not None
            assert not [a for a in milestone.actions if a.blocker and a.state not in DONE_STATES]
        if milestone.state is MilestoneState.BLOCKED:
            assert milestone.block_note and milestone.blocked_from in (MilestoneState.PENDING,
                                                                       MilestoneState.IN_PROGRESS)
        else:
            assert milestone.blocked_from is None and milestone.block_note is None
        if milestone.started_at is None:  # nothing of a milestone that never started has run
            assert milestone.state in (MilestoneState.PENDING, MilestoneState.BLOCKED)
            assert all(a.state in (ActionState.PENDING, ActionState.SKIPPED) and a.due_at is None
                       for a in milestone.actions)
    if all(m.state is MilestoneState.COMPLETED for m in account.milestones):
        assert account.status is AccountStatus.COMPLETED


@settings(max_examples=150, deadline=None, database=None)  # no example files written by unit tests
@given(steps=steps, policy=st.sampled_from(POLICIES), contacts=st.booleans(), started=st.booleans(),
       people=st.sampled_from([People(), None]))
def test_any_sequence_of_commands_keeps_the_account_consistent(kit, steps, policy, contacts, started, people):
    people = people or kit.PEOPLE
    account = kit.account(contacts=contacts, start=started, policy=policy)
    check_invariants(account)
    now, reached = kit.T0, set()
    for n, (command, aimed, target, variant, hours) in enumerate(steps):
        now += timedelta(hours=hours)
        before = copy.deepcopy(account)  # everything, history included (dataclass equality compares it all)
        try:
            result = run(kit, account, command, AIMS.get(command) if aimed else None, target, variant, now,
                         policy, people, n)
        except (RuleBroken, InvalidInput, NotFound):
            assert account == before, f"{command} was refused but changed the account"
        else:
            if result is False and command != "customer_submitted":
                assert account == before, f"{command} answered False but changed the account"
        check_invariants(account)
        reached |= {a.state.value for a in account.actions()} | {f"milestone {m.state.value}"
                                                                 for m in account.milestones}
        reached |= {f"account {account.status.value}"} | ({"archived"} if account.archived else set())
    for state in sorted(reached):
        event(state)  # what the run went through (pytest --hypothesis-show-statistics)
