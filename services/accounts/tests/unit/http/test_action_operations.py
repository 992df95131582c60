"""The staff view's operations: what a client offers for an action or milestone in each state."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stitch.accounts.domain.plan import Action, Draft, Milestone, Trigger
from stitch.accounts.domain.states import ActionState, ActionType, MilestoneState
from stitch.accounts.entrypoints.schemas import action_operations, milestone_operations

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
MANUAL, ON_START = Trigger("manual"), Trigger("milestone_start", 24)
DRAFT = Draft(1, {"subject": "Hi"}, NOW, "offline")


def action(state=ActionState.PENDING, kind=ActionType.SEND_EMAIL, trigger=MANUAL, due_at=None, draft=None):
    return Action(id="a", milestone_id="m", position=1, label="A", description="", type=kind, trigger=trigger,
                  content={}, state=state, due_at=due_at, draft=draft)


STARTED = Milestone(id="m", sequence=1, name="M", duration_days=7, state=MilestoneState.IN_PROGRESS, started_at=NOW)
NOT_STARTED = Milestone(id="m", sequence=1, name="M", duration_days=7)


@pytest.mark.parametrize("item, milestone, expected", [
    (action(), STARTED, ["start", "skip", "edit", "remove"]),
    (action(), NOT_STARTED, ["skip", "edit", "remove"]),  # a manual action runs once its milestone started
    (action(trigger=ON_START, due_at=NOW), STARTED, ["execute_now", "reschedule", "skip", "edit", "remove"]),
    (action(trigger=ON_START), NOT_STARTED, ["reschedule", "skip", "edit", "remove"]),
    (action(ActionState.REVIEW_PENDING), STARTED, ["skip"]),
    (action(ActionState.READY, draft=DRAFT), STARTED, ["execute", "edit_draft", "redraft", "skip"]),
    (action(ActionState.READY, ActionType.SLACK, draft=DRAFT), STARTED,
     ["execute", "edit_draft", "redraft", "skip", "complete"]),
    (action(ActionState.READY, ActionType.SCHEDULE_MEETING, draft=DRAFT), STARTED,
     ["execute", "edit_draft", "redraft", "skip", "complete"]),
    (action(ActionState.READY, ActionType.REQUEST_DOCS), STARTED, ["execute", "skip"]),  # a held portal task
    (action(ActionState.EXECUTING), STARTED, []),
    (action(ActionState.EXECUTED), STARTED, ["complete"]),
    (action(ActionState.COMPLETED), STARTED, []),
    (action(ActionState.SKIPPED), STARTED, []),
])
def test_each_action_state_offers_its_commands(item, milestone, expected):
    assert action_operations(item, milestone, archived=False) == expected


def test_an_archived_account_offers_nothing():
    assert action_operations(action(), STARTED, archived=True) == []
    assert milestone_operations(STARTED, archived=True) == []


@pytest.mark.parametrize("state, expected", [
    (MilestoneState.PENDING, ["start", "block"]), (MilestoneState.IN_PROGRESS, ["complete", "block"]),
    (MilestoneState.BLOCKED, ["unblock"]), (MilestoneState.COMPLETED, []),
])
def test_each_milestone_state_offers_its_commands(state, expected):
    milestone = Milestone(id="m", sequence=1, name="M", duration_days=7, state=state)
    assert milestone_operations(milestone, archived=False) == expected
