"""Milestones: start, complete, block, unblock; the plan's dates; what completing the last one does."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from stitch.accounts.domain.happenings import OrgPolicy
from stitch.accounts.domain.plan import Milestone, RevisionSnapshot, definition_of, plan_from_revision
from stitch.accounts.domain.states import AccountStatus, ActionState, MilestoneState

H = timedelta(hours=1)
D = timedelta(days=1)


def finish_first(kit, account, now):
    account.customer_submitted(kit.action(account, "Setup questionnaire").id, "submission-1", now)
    account.complete_milestone(kit.milestone(account, 1).id, now, kit.CSM_ID, kit.POLICY)


# -- starting --------------------------------------------------------------------------------------

def test_starting_a_milestone_fires_its_start_actions_and_resets_its_target(kit):
    account = kit.account()
    first = kit.milestone(account, 1)
    start = kit.T0 + 2 * D  # later than planned
    account.start_milestone(first.id, start, kit.CSM_ID, kit.POLICY)
    assert first.state is MilestoneState.IN_PROGRESS and first.started_at == start
    assert first.target_date == start + 7 * D and first.planned_start == kit.T0
    assert [(h.kind, h.action_id) for h in account.changes] == [
        ("milestone_started", None),
        ("draft_requested", kit.action(account, "Welcome email").id),
        ("action_executed", kit.action(account, "Setup questionnaire").id),
        ("action_scheduled", kit.action(account, "Follow-up email").id)]
    assert all(h.actor == kit.CSM_ID and h.milestone_id == first.id for h in account.changes)
    assert kit.action(account, "Kickoff call").state is ActionState.PENDING
    assert kit.action(account, "Tell the team").state is ActionState.PENDING
    assert all(a.state is ActionState.PENDING for m in account.milestones[1:] for a in m.actions)


@pytest.mark.parametrize("state", ["in_progress", "completed", "blocked"])
def test_only_a_pending_milestone_can_start(kit, state):
    account = kit.account(start=True)
    first = kit.milestone(account, 1)
    if state == "completed":
        finish_first(kit, account, kit.T0)
    elif state == "blocked":
        account.block_milestone(first.id, "waiting on the customer", kit.T0, kit.CSM_ID)
    refusal = kit.refused(account, lambda: account.start_milestone(first.id, kit.T0, kit.CSM_ID, kit.POLICY),
                          "milestone.start.not_pending")
    assert refusal.details == {"state": state}


# -- completing ------------------------------------------------------------------------------------

def test_an_open_blocker_keeps_a_milestone_from_completing(kit):
    account = kit.account(start=True)
    first = kit.milestone(account, 1)
    questionnaire = kit.action(account, "Setup questionnaire")
    refusal = kit.refused(account, lambda: account.complete_milestone(first.id, kit.T0, kit.CSM_ID, kit.POLICY),
                          "milestone.complete.open_blockers")
    assert refusal.details == {"blockers": [
        {"action_id": questionnaire.id, "label": "Setup questionnaire", "state": "executed"}]}
    assert "Setup questionnaire" in refusal.message


def test_a_pending_blocker_also_keeps_a_milestone_from_completing(kit):
    review = OrgPolicy(review_portal_tasks=True)
    account = kit.account(start=True, policy=review)  # the blocker waits in ready
    refusal = kit.refused(account, lambda: account.complete_milestone(kit.milestone(account, 1).id, kit.T0,
                                                                      kit.CSM_ID, review),
                          "milestone.complete.open_blockers")
    assert [b["state"] for b in refusal.details["blockers"]] == ["ready"]


@pytest.mark.parametrize("how", ["submitted", "marked done", "skipped"])
def test_a_finished_or_skipped_blocker_lets_the_milestone_complete(kit, how):
    review = OrgPolicy(review_portal_tasks=True)
    account = kit.account(start=True, policy=review if how == "skipped" else kit.POLICY)
    first = kit.milestone(account, 1)
    questionnaire = kit.action(account, "Setup questionnaire")
    if how == "submitted":
        account.customer_submitted(questionnaire.id, "submission-1", kit.T0)
    elif how == "marked done":
        account.mark_done(questionnaire.id, kit.T0, kit.CSM_ID)
    else:
        account.skip(questionnaire.id, kit.T0, kit.CSM_ID, "collected on the call")  # held in ready, skippable
    account.changes.clear()
    account.complete_milestone(first.id, kit.T0 + H, kit.CSM_ID, kit.POLICY)
    assert first.state is MilestoneState.COMPLETED and first.completed_at == kit.T0 + H
    assert account.changes[0].kind == "milestone_completed" and account.changes[0].actor == kit.CSM_ID
    assert account.changes[0].milestone_id == first.id


def test_completing_a_milestone_starts_the_next_and_fires_its_zero_delay_actions(kit):
    account = kit.account(start=True)
    first, second = kit.milestone(account, 1), kit.milestone(account, 2)
    account.customer_submitted(kit.action(account, "Setup questionnaire").id, "submission-1", kit.T0)
    account.changes.clear()
    now = kit.T0 + 3 * D
    account.complete_milestone(first.id, now, kit.CSM_ID, kit.POLICY)
    assert second.state is MilestoneState.IN_PROGRESS and second.started_at == now
    assert second.target_date == now + 14 * D
    dpa, assets, slack = second.actions
    assert dpa.state is ActionState.PENDING and dpa.due_at == now + 24 * H
    assert assets.state is ActionState.EXECUTED
    assert slack.state is ActionState.REVIEW_PENDING and slack.draft_request
    assert [(h.kind, h.milestone_id, h.action_id) for h in account.changes] == [
        ("milestone_completed", first.id, None), ("milestone_started", second.id, None),
        ("action_scheduled", second.id, dpa.id), ("action_executed", second.id, assets.id),
        ("draft_requested", second.id, slack.id)]
    assert all(h.actor == kit.CSM_ID for h in account.changes)
    assert kit.milestone(account, 3).state is MilestoneState.PENDING
    assert account.status is AccountStatus.ACTIVE


def test_completing_the_last_milestone_completes_the_account(kit):
    account = kit.account(start=True)
    finish_first(kit, account, kit.T0)
    account.skip(kit.action(account, "Signed DPA").id, kit.T0, kit.CSM_ID)
    account.complete_milestone(kit.milestone(account, 2).id, kit.T0 + D, kit.CSM_ID, kit.POLICY)
    assert account.status is AccountStatus.ACTIVE
    account.changes.clear()
    last = kit.milestone(account, 3)
    account.complete_milestone(last.id, kit.T0 + 2 * D, kit.CSM_ID, kit.POLICY)
    assert last.state is MilestoneState.COMPLETED
    assert account.status is AccountStatus.COMPLETED
    assert [(h.kind, h.actor, h.detail) for h in account.changes] == [
        ("milestone_completed", kit.CSM_ID, {}),
        ("status_changed", kit.CSM_ID, {"from": "active", "to": "completed"})]


@pytest.mark.parametrize("state,hint", [("pending", "start it first"), ("blocked", "unblock it first"),
                                        ("completed", "already completed")])
def test_only_a_milestone_in_progress_can_complete(kit, state, hint):
    account = kit.account(start=True)
    target = kit.milestone(account, 2)
    if state == "blocked":
        account.block_milestone(target.id, "legal review", kit.T0, kit.CSM_ID)
    elif state == "completed":
        target = kit.milestone(account, 1)
        finish_first(kit, account, kit.T0)
    refusal = kit.refused(account, lambda: account.complete_milestone(target.id, kit.T0, kit.CSM_ID, kit.POLICY),
                          "milestone.complete.not_in_progress")
    assert refusal.details == {"state": state} and hint in refusal.message


# -- blocking --------------------------------------------------------------------------------------

@pytest.mark.parametrize("sequence,state", [(1, MilestoneState.IN_PROGRESS), (2, MilestoneState.PENDING)])
def test_block_and_unblock_return_the_milestone_to_where_it_was(kit, sequence, state):
    account = kit.account(start=True)
    target = kit.milestone(account, sequence)
    account.block_milestone(target.id, "  waiting for the signed DPA  ", kit.T0 + H, kit.CSM_ID)
    assert target.state is MilestoneState.BLOCKED and target.blocked_from is state
    assert target.block_note == "waiting for the signed DPA"
    account.unblock_milestone(target.id, kit.T0 + 2 * H, kit.CSM_ID)
    assert target.state is state and target.blocked_from is None and target.block_note is None
    assert [(h.kind, h.actor, h.milestone_id, h.detail) for h in account.changes] == [
        ("milestone_blocked", kit.CSM_ID, target.id, {"note": "waiting for the signed DPA"}),
        ("milestone_unblocked", kit.CSM_ID, target.id, {"state": state.value})]


@pytest.mark.parametrize("note", ["", "   ", None, 42])
def test_blocking_needs_a_note(kit, note):
    account = kit.account(start=True)
    found = kit.invalid(account, lambda: account.block_milestone(kit.milestone(account, 1).id, note, kit.T0,
                                                                 kit.CSM_ID))
    assert list(found) == ["note"] and found["note"].startswith("is required")


def test_a_block_note_is_at_most_1000_characters(kit):
    account = kit.account(start=True)
    found = kit.invalid(account, lambda: account.block_milestone(kit.milestone(account, 1).id, "x" * 1001, kit.T0,
                                                                 kit.CSM_ID))
    assert found == {"note": "must be at most 1000 characters"}


@pytest.mark.parametrize("state", ["completed", "blocked"])
def test_a_completed_or_blocked_milestone_cannot_be_blocked(kit, state):
    account = kit.account(start=True)
    first = kit.milestone(account, 1)
    if state == "completed":
        finish_first(kit, account, kit.T0)
    else:
        account.block_milestone(first.id, "first note", kit.T0, kit.CSM_ID)
    refusal = kit.refused(account, lambda: account.block_milestone(first.id, "again", kit.T0, kit.CSM_ID),
                          "milestone.block.not_open")
    assert refusal.details == {"state": state}


@pytest.mark.parametrize("sequence", [1, 2])
def test_only_a_blocked_milestone_can_be_unblocked(kit, sequence):
    account = kit.account(start=True)
    target = kit.milestone(account, sequence)
    refusal = kit.refused(account, lambda: account.unblock_milestone(target.id, kit.T0, kit.CSM_ID),
                          "milestone.unblock.not_blocked")
    assert refusal.details == {"state": target.state.value}


def test_a_blocked_milestone_in_progress_keeps_its_schedule(kit):
    account = kit.account(start=True)
    account.block_milestone(kit.milestone(account, 1).id, "customer on holiday", kit.T0, kit.CSM_ID)
    follow_up = kit.action(account, "Follow-up email")
    assert follow_up.due_at == kit.T0 + 24 * H
    assert account.fire_due(follow_up.id, kit.T0 + 24 * H, kit.POLICY) is True


# -- dates -----------------------------------------------------------------------------------------

def test_the_plan_runs_back_to_back_from_the_time_the_template_is_applied(kit):
    applied = kit.T0 + 3 * H
    account = kit.account(now=applied)
    assert [(m.planned_start, m.target_date) for m in account.milestones] == [
        (applied, applied + 7 * D), (applied + 7 * D, applied + 21 * D), (applied + 21 * D, applied + 28 * D)]
    assert all(m.started_at is None and m.state is MilestoneState.PENDING for m in account.milestones)


def test_a_milestone_is_overdue_after_its_target_until_it_completes(kit):
    account = kit.account(start=True)
    first = kit.milestone(account, 1)
    target = kit.T0 + 7 * D
    assert not first.is_overdue(target - H) and not first.is_overdue(target)
    assert first.is_overdue(target + H)
    assert kit.milestone(account, 2).is_overdue(kit.T0 + 22 * D)  # a pending one is overdue too
    finish_first(kit, account, target + H)
    assert not first.is_overdue(target + 100 * D)
    assert not Milestone(id="m", sequence=1, name="undated", duration_days=0).is_overdue(target)


def test_started_is_true_while_a_started_milestone_is_open(kit):
    account = kit.account(start=True)
    assert kit.milestone(account, 1).started and not kit.milestone(account, 2).started
    finish_first(kit, account, kit.T0)
    assert not kit.milestone(account, 1).started and kit.milestone(account, 2).started


# -- plan_from_revision ----------------------------------------------------------------------------

def test_the_plan_copies_the_revision_with_fresh_ids_and_remembers_the_template_ids(kit):
    revision = kit.REVISION
    counter = itertools.count(1)
    plan = plan_from_revision(revision, kit.T0, lambda: f"new-{next(counter)}")
    again = plan_from_revision(revision, kit.T0, lambda: f"other-{next(counter)}")
    ids = [m.id for m in plan] + [a.id for m in plan for a in m.actions]
    assert len(set(ids)) == len(ids) == 13
    assert not set(ids) & ({m.id for m in again} | {a.id for m in again for a in m.actions})
    assert [m.template_milestone_id for m in plan] == [m["id"] for m in revision.milestones]
    for milestone, source in zip(plan, revision.milestones, strict=True):
        assert (milestone.sequence, milestone.name, milestone.duration_days) == (
            source["sequence"], source["name"], source["duration_days"])
        assert (milestone.internal_description, milestone.customer_description, milestone.exit_criteria) == (
            source["internal_description"], source["customer_description"], source["exit_criteria"])
        assert [a.template_action_id for a in milestone.actions] == [a["id"] for a in source["actions"]]
        assert [a.position for a in milestone.actions] == [a["position"] for a in source["actions"]]
        assert all(a.milestone_id == milestone.id and a.state is ActionState.PENDING for a in milestone.actions)


def test_an_action_instance_keeps_its_definition(kit):
    plan = plan_from_revision(kit.REVISION, kit.T0, iter(f"x{n}" for n in range(100)).__next__)
    questionnaire = plan[0].actions[1]
    source = kit.REVISION.milestones[0]["actions"][1]
    assert questionnaire.blocker and questionnaire.portal_visible and questionnaire.is_portal_task
    assert questionnaire.customer_label == "Tell us about your team" and questionnaire.csm_section == "Customer tasks"
    assert definition_of(questionnaire) == {
        "label": source["label"], "description": source["description"], "type": source["type"],
        "trigger": source["trigger"], "visibility": source["visibility"], "content": source["content"]}
    meeting = plan[0].actions[3]
    assert meeting.trigger.type == "manual" and meeting.trigger.delay_hours == 0 and not meeting.trigger.on_start
    assert plan[0].actions[2].trigger.delay_hours == 24 and plan[0].actions[2].customer_label == "Follow-up email"


def test_the_plan_is_a_copy_the_template_cannot_reach(kit):
    plan = plan_from_revision(kit.REVISION, kit.T0, iter(f"x{n}" for n in range(100)).__next__)
    plan[0].actions[0].content["subject"] = "changed on the account"
    plan[0].actions[1].content["fields"].append({"key": "more"})
    assert kit.REVISION.milestones[0]["actions"][0]["content"]["subject"].startswith("Welcome to")
    assert len(kit.REVISION.milestones[0]["actions"][1]["content"]["fields"]) == 1


def test_a_milestone_without_a_duration_plans_zero_days(kit):
    revision = RevisionSnapshot("t", "r", 1, "T", ({"name": "One", "actions": []}, {"name": "Two", "duration_days": 3}))
    one, two = plan_from_revision(revision, kit.T0, iter(["a", "b"]).__next__)
    assert (one.target_date, two.planned_start, two.target_date) == (kit.T0, kit.T0, kit.T0 + 3 * D)
    assert one.template_milestone_id is None and two.actions == []
