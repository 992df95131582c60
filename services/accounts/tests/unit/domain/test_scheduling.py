"""Scheduled actions: due at milestone start + delay, fired by the scheduler, rescheduled per account."""

from __future__ import annotations

from datetime import timedelta

import pytest

from stitch.accounts.domain.happenings import OrgPolicy
from stitch.accounts.domain.states import ActionState, ActionType

H = timedelta(hours=1)


def definition(label="Check-in", kind="SEND_EMAIL", trigger=None, blocker=False):
    content = {"SEND_EMAIL": {"subject": "Hi", "body": "Hello", "to": ["primary_contact"], "cc": [], "bcc": []},
               "COLLECT_INFO": {"intro": "", "fields": [{"key": "a", "label": "A", "type": "text"}]}}[kind]
    return {"label": label, "description": "added for this account", "type": kind,
            "trigger": trigger or {"type": "milestone_start", "delay_hours": 48},
            "visibility": {"csm": {"visible": True, "label": "", "section": ""},
                           "portal": {"visible": blocker, "label": "", "blocker": blocker}},
            "content": content}


def test_a_delayed_action_is_due_at_start_plus_its_delay(kit):
    account = kit.account()
    account.start_milestone(kit.milestone(account, 1).id, kit.T0, kit.CSM_ID, kit.POLICY)
    follow_up = kit.action(account, "Follow-up email")
    assert follow_up.state is ActionState.PENDING and follow_up.due_at == kit.T0 + 24 * H
    assert follow_up.fired_at is None
    [scheduled] = [h for h in account.changes if h.kind == "action_scheduled"]
    assert (scheduled.actor, scheduled.milestone_id, scheduled.action_id, scheduled.detail) == (
        kit.CSM_ID, follow_up.milestone_id, follow_up.id, {"due_at": (kit.T0 + 24 * H).isoformat()})


def test_a_manual_action_is_never_due(kit):
    account = kit.account(start=True)
    assert kit.action(account, "Kickoff call").due_at is None
    assert account.fire_due(kit.action(account, "Kickoff call").id, kit.T0 + 1000 * H, kit.POLICY) is False


def test_the_scheduler_does_nothing_before_the_time(kit):
    account = kit.account(start=True)
    follow_up = kit.action(account, "Follow-up email")
    before = kit.snapshot(account)
    assert account.fire_due(follow_up.id, kit.T0 + 24 * H - timedelta(seconds=1), kit.POLICY) is False
    assert kit.snapshot(account) == before


@pytest.mark.parametrize("late", [timedelta(0), 3 * H])
def test_the_scheduler_fires_a_due_action_at_or_after_its_time(kit, late):
    account = kit.account(start=True)
    follow_up = kit.action(account, "Follow-up email")
    now = kit.T0 + 24 * H + late
    assert account.fire_due(follow_up.id, now, kit.POLICY) is True
    assert follow_up.state is ActionState.REVIEW_PENDING and follow_up.due_at is None and follow_up.fired_at == now
    [asked] = account.changes
    assert (asked.kind, asked.actor, asked.at) == ("draft_requested", None, now)
    assert asked.detail == {"request_id": follow_up.draft_request, "instructions": ""}


def test_the_scheduler_fires_a_portal_task_into_the_portal(kit):
    account = kit.account(start=True)
    account.customer_submitted(kit.action(account, "Setup questionnaire").id, "s-1", kit.T0)
    account.complete_milestone(kit.milestone(account, 1).id, kit.T0, kit.CSM_ID, kit.POLICY)
    dpa = kit.action(account, "Signed DPA")
    account.changes.clear()
    assert account.fire_due(dpa.id, kit.T0 + 24 * H, kit.POLICY) is True
    assert dpa.state is ActionState.EXECUTED and dpa.executed_at == kit.T0 + 24 * H
    assert [(h.kind, h.actor, h.detail) for h in account.changes] == [
        ("action_executed", None, {"channel": "portal", "auto_sent": False})]


def test_a_fired_action_is_not_fired_again(kit):
    account = kit.account(start=True)
    follow_up = kit.action(account, "Follow-up email")
    account.fire_due(follow_up.id, kit.T0 + 24 * H, kit.POLICY)
    before = kit.snapshot(account)
    assert account.fire_due(follow_up.id, kit.T0 + 25 * H, kit.POLICY) is False
    assert kit.snapshot(account) == before


def test_execute_now_fires_a_scheduled_action_early(kit):
    account = kit.account(start=True)
    follow_up = kit.action(account, "Follow-up email")
    account.start_action(follow_up.id, kit.T0 + H, kit.CSM_ID, kit.POLICY)
    assert follow_up.state is ActionState.REVIEW_PENDING and follow_up.due_at is None
    assert account.fire_due(follow_up.id, kit.T0 + 24 * H, kit.POLICY) is False


def test_skipping_a_scheduled_action_clears_its_time(kit):
    account = kit.account(start=True)
    follow_up = kit.action(account, "Follow-up email")
    account.skip(follow_up.id, kit.T0 + H, kit.CSM_ID)
    assert follow_up.due_at is None and follow_up.state is ActionState.SKIPPED
    assert account.fire_due(follow_up.id, kit.T0 + 24 * H, kit.POLICY) is False


# -- rescheduling ----------------------------------------------------------------------------------

def test_a_new_delay_counts_from_the_milestone_start_not_from_now(kit):
    account = kit.account(start=True)
    follow_up = kit.action(account, "Follow-up email")
    now = kit.T0 + 10 * H
    account.reschedule(follow_up.id, now, kit.CSM_ID, delay_hours=48)
    assert follow_up.trigger.delay_hours == 48 and follow_up.trigger.type == "milestone_start"
    assert follow_up.due_at == kit.T0 + 48 * H and follow_up.state is ActionState.PENDING
    [rescheduled] = account.changes
    assert (rescheduled.kind, rescheduled.actor, rescheduled.at, rescheduled.action_id) == (
        "action_rescheduled", kit.CSM_ID, now, follow_up.id)
    assert rescheduled.detail == {"delay_hours": 48, "due_at": (kit.T0 + 48 * H).isoformat()}
    assert account.fire_due(follow_up.id, kit.T0 + 24 * H, kit.POLICY) is False  # the old time no longer fires
    assert account.fire_due(follow_up.id, kit.T0 + 48 * H, kit.POLICY) is True


def test_a_new_delay_before_the_start_is_used_when_the_milestone_starts(kit):
    account = kit.account()
    dpa = kit.action(account, "Signed DPA")
    account.reschedule(dpa.id, kit.T0, kit.CSM_ID, delay_hours=72)
    assert dpa.due_at is None and dpa.trigger.delay_hours == 72
    [rescheduled] = account.changes
    assert rescheduled.detail == {"delay_hours": 72, "due_at": None}
    second_start = kit.T0 + 5 * kit.D
    account.start_milestone(kit.milestone(account, 2).id, second_start, kit.CSM_ID, kit.POLICY)
    assert dpa.due_at == second_start + 72 * H


def test_a_zero_delay_set_before_the_start_fires_at_the_start(kit):
    account = kit.account()
    follow_up = kit.action(account, "Follow-up email")
    account.reschedule(follow_up.id, kit.T0, kit.CSM_ID, delay_hours=0)
    account.start_milestone(kit.milestone(account, 1).id, kit.T0 + H, kit.CSM_ID, kit.POLICY)
    assert follow_up.state is ActionState.REVIEW_PENDING and follow_up.due_at is None


def test_an_exact_time_replaces_the_due_time_and_keeps_the_delay(kit):
    account = kit.account(start=True)
    follow_up = kit.action(account, "Follow-up email")
    at = kit.T0 + 30 * H
    account.reschedule(follow_up.id, kit.T0 + H, kit.CSM_ID, at=at)
    assert follow_up.due_at == at and follow_up.trigger.delay_hours == 24
    assert kit.only(account, "action_rescheduled").detail == {"delay_hours": 24, "due_at": at.isoformat()}


# -- adding and editing actions on a running plan --------------------------------------------------

def test_an_action_added_to_a_started_milestone_is_armed(kit):
    account = kit.account(start=True)
    first = kit.milestone(account, 1)
    added = account.add_action(first.id, definition(), "added-1", kit.T0 + 5 * H, kit.CSM_ID, kit.POLICY)
    assert (added.id, added.position, added.template_action_id, added.milestone_id) == ("added-1", 6, None, first.id)
    assert added.due_at == kit.T0 + 48 * H  # from the milestone start
    assert [(h.kind, h.actor, h.action_id) for h in account.changes] == [
        ("action_added", kit.CSM_ID, "added-1"), ("action_scheduled", kit.CSM_ID, "added-1")]
    assert account.changes[0].detail == {"label": "Check-in", "type": "SEND_EMAIL"}


def test_a_zero_delay_action_added_to_a_started_milestone_fires_at_once(kit):
    account = kit.account(start=True)
    added = account.add_action(kit.milestone(account, 1).id,
                               definition(trigger={"type": "milestone_start", "delay_hours": 0}), "added-1",
                               kit.T0 + H, kit.CSM_ID, kit.POLICY)
    assert added.state is ActionState.REVIEW_PENDING
    assert kit.kinds(account) == ["action_added", "draft_requested"]


@pytest.mark.parametrize("trigger,sequence", [({"type": "manual"}, 1), (None, 2)])
def test_an_action_added_as_manual_or_to_a_pending_milestone_waits(kit, trigger, sequence):
    account = kit.account(start=True)
    added = account.add_action(kit.milestone(account, sequence).id, definition(trigger=trigger), "added-1",
                               kit.T0 + H, kit.CSM_ID, kit.POLICY)
    assert added.state is ActionState.PENDING and added.due_at is None
    assert kit.kinds(account) == ["action_added"]


def test_an_added_action_arms_when_its_milestone_starts(kit):
    account = kit.account(start=True)
    second = kit.milestone(account, 2)
    added = account.add_action(second.id, definition(kind="COLLECT_INFO", blocker=True,
                                                     trigger={"type": "milestone_start", "delay_hours": 0}),
                               "added-1", kit.T0, kit.CSM_ID, kit.POLICY)
    assert added.type is ActionType.COLLECT_INFO and added.blocker
    account.start_milestone(second.id, kit.T0 + kit.D, kit.CSM_ID, kit.POLICY)
    assert added.state is ActionState.EXECUTED


def test_editing_a_scheduled_actions_delay_rearms_it(kit):
    account = kit.account(start=True)
    follow_up = kit.action(account, "Follow-up email")
    template_id, position = follow_up.template_action_id, follow_up.position
    account.edit_action(follow_up.id, definition(label="Follow-up, later",
                                                 trigger={"type": "milestone_start", "delay_hours": 36}),
                        kit.T0 + 2 * H, kit.CSM_ID, kit.POLICY)
    edited = account.action(follow_up.id)
    assert (edited.label, edited.position, edited.template_action_id) == ("Follow-up, later", position, template_id)
    assert edited.due_at == kit.T0 + 36 * H and edited.state is ActionState.PENDING
    assert [(h.kind, h.actor) for h in account.changes] == [("action_edited", kit.CSM_ID),
                                                           ("action_scheduled", kit.CSM_ID)]
    assert account.changes[1].detail == {"due_at": (kit.T0 + 36 * H).isoformat()}
    assert account.fire_due(edited.id, kit.T0 + 24 * H, kit.POLICY) is False


def test_editing_a_scheduled_action_into_a_manual_one_unschedules_it(kit):
    account = kit.account(start=True)
    follow_up = kit.action(account, "Follow-up email")
    account.edit_action(follow_up.id, definition(trigger={"type": "manual"}), kit.T0, kit.CSM_ID, kit.POLICY)
    edited = account.action(follow_up.id)
    assert edited.due_at is None and edited.trigger.type == "manual"
    assert kit.kinds(account) == ["action_edited"]


def test_editing_an_action_of_a_pending_milestone_does_not_arm_it(kit):
    account = kit.account(start=True)
    dpa = kit.action(account, "Signed DPA")
    account.edit_action(dpa.id, definition(), kit.T0, kit.CSM_ID, OrgPolicy())
    assert account.action(dpa.id).due_at is None
    assert kit.kinds(account) == ["action_edited"]
