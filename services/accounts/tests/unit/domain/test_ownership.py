"""Ownership (seed FAQ "Account Management"): one primary CSM, collaborators who work actions and add
notes, transfers with a note; and the facts account lists sort on (current milestone, next action)."""

from __future__ import annotations

import pytest

from stitch.accounts.domain.errors import InvalidInput, NotAllowed, NotFound
from stitch.accounts.domain.ownership import MAX_COLLABORATORS, Access
from stitch.accounts.domain.states import ActionState, MilestoneState

OWNER, HELPER, OTHER = "csm-owner", "csm-helper", "csm-other"


@pytest.fixture
def owned(kit):
    account = kit.account()
    account.assign_csm(OWNER, kit.T0, "admin-1")
    account.add_collaborator(HELPER, kit.T0, OWNER)
    account.changes.clear()
    return account


def test_the_owner_owns_a_collaborator_collaborates_and_others_only_read(owned):
    assert owned.access_for(OWNER, sees_all=False) is Access.OWN
    assert owned.access_for(HELPER, sees_all=False) is Access.COLLABORATE
    assert owned.access_for(OTHER, sees_all=False) is Access.NONE
    assert owned.access_for(OTHER, sees_all=True) is Access.OWN  # an admin oversees every account


def test_an_account_without_an_owner_is_the_teams(kit):
    account = kit.account()
    assert account.primary_csm_id is None
    assert account.access_for(OTHER, sees_all=False) is Access.OWN


@pytest.mark.parametrize(("who", "needs", "rule"), [
    (HELPER, Access.OWN, "account.not_owner"),
    (OTHER, Access.OWN, "account.not_owner"),
    (OTHER, Access.COLLABORATE, "account.not_collaborator"),
])
def test_access_refusals_name_the_rule(owned, who, needs, rule):
    with pytest.raises(NotAllowed) as refused:
        owned.require_access(needs, who, sees_all=False)
    assert refused.value.rule == rule
    assert refused.value.message


def test_a_collaborator_is_told_what_they_may_do(owned):
    with pytest.raises(NotAllowed) as refused:
        owned.require_access(Access.OWN, HELPER, sees_all=False)
    assert "collaborators work actions and add notes" in refused.value.message


def test_a_transfer_records_the_note_and_the_previous_owner(owned, kit):
    assert owned.assign_csm(OTHER, kit.T0 + kit.H, OWNER, note="  Moving to the EMEA team  ")
    assert owned.primary_csm_id == OTHER
    happened = kit.only(owned, "csm_assigned")
    assert happened.detail == {"csm_id": OTHER, "previous_csm_id": OWNER, "note": "Moving to the EMEA team"}
    assert happened.actor == OWNER


def test_the_previous_owner_may_stay_as_a_collaborator(owned, kit):
    owned.assign_csm(OTHER, kit.T0, OWNER, keep_previous=True)
    assert {c.user_id for c in owned.collaborators} == {HELPER, OWNER}
    assert kit.kinds(owned) == ["csm_assigned", "collaborator_added"]


def test_a_collaborator_who_becomes_owner_stops_being_a_collaborator(owned, kit):
    owned.assign_csm(HELPER, kit.T0, OWNER)
    assert owned.collaborators == []
    assert kit.only(owned, "collaborator_removed").detail == {"user_id": HELPER, "reason": "became_owner"}


def test_assigning_the_owner_again_changes_nothing(owned, kit):
    assert owned.assign_csm(OWNER, kit.T0, OWNER) is False
    assert owned.changes == []


def test_a_transfer_note_has_a_limit(owned, kit):
    assert kit.invalid(owned, lambda: owned.assign_csm(OTHER, kit.T0, OWNER, note="x" * 2001)) == {
        "note": "must be at most 2000 characters"}


def test_a_pool_choice_is_recorded(kit):
    account = kit.account()
    account.assign_csm(OWNER, kit.T0, None, pool_id="pool-1")
    assert kit.only(account, "csm_assigned").detail["pool_id"] == "pool-1"


def test_collaborators_are_added_once_and_removed(owned, kit):
    assert owned.add_collaborator(HELPER, kit.T0, OWNER) is False  # already there: nothing recorded
    assert owned.changes == []
    assert owned.add_collaborator(OTHER, kit.T0, OWNER) is True
    assert kit.only(owned, "collaborator_added").detail == {"user_id": OTHER}
    owned.remove_collaborator(HELPER, kit.T0, OWNER)
    assert [c.user_id for c in owned.collaborators] == [OTHER]


def test_the_owner_is_no_collaborator(owned, kit):
    kit.refused(owned, lambda: owned.add_collaborator(OWNER, kit.T0, OWNER), "collaborator.is_owner")


def test_removing_someone_who_is_not_a_collaborator_is_not_found(owned, kit):
    with pytest.raises(NotFound):
        owned.remove_collaborator(OTHER, kit.T0, OWNER)


def test_collaborators_have_a_limit(kit):
    account = kit.account()
    for n in range(MAX_COLLABORATORS):
        account.add_collaborator(f"csm-{n}", kit.T0, None)
    kit.refused(account, lambda: account.add_collaborator("one-more", kit.T0, None), "collaborator.too_many")


def test_an_archived_account_keeps_its_people(owned, kit):
    owned.archive("Churned", kit.T0, OWNER)
    for command in (lambda: owned.add_collaborator(OTHER, kit.T0, OWNER),
                    lambda: owned.assign_csm(OTHER, kit.T0, OWNER)):
        kit.refused(owned, command, "account.archived")


def test_raw_crm_notes_are_a_detail_with_a_limit(kit):
    account = kit.account()
    assert account.change_details({"crm_notes": "Champion: Dana. Budget approved."}, kit.T0, None) == ["crm_notes"]
    with pytest.raises(InvalidInput) as invalid:
        account.change_details({"crm_notes": "x" * 50_001}, kit.T0, None)
    assert [v.path for v in invalid.value.violations] == ["crm_notes"]


# -- what lists sort on ------------------------------------------------------------------------------

def test_the_current_milestone_is_the_one_under_way_else_the_next_to_start(kit):
    account = kit.account()
    assert account.current_milestone() is kit.milestone(account, 1)  # nothing started: the first pending one
    account.start_milestone(kit.milestone(account, 1).id, kit.T0, None, kit.POLICY)
    assert account.current_milestone() is kit.milestone(account, 1)
    account.block_milestone(kit.milestone(account, 1).id, "Waiting on IT", kit.T0, None)
    assert account.current_milestone().state is MilestoneState.BLOCKED
    assert kit.account(apply=False).current_milestone() is None


def test_the_next_action_is_the_soonest_scheduled_or_the_oldest_waiting_draft(kit):
    account = kit.account(start=True)
    scheduled = [a.due_at for a in account.actions() if a.state is ActionState.PENDING and a.due_at]
    waiting = [a.fired_at for a in account.actions() if a.state in (ActionState.REVIEW_PENDING, ActionState.READY)]
    assert waiting, "the revision's first milestone has an action that fires at start"
    assert account.next_action_at() == min(scheduled + waiting)
    for action in account.actions():  # nothing open: no next action
        if action.state in (ActionState.PENDING, ActionState.REVIEW_PENDING, ActionState.READY):
            action.state = ActionState.SKIPPED
    assert account.next_action_at() is None


def test_an_action_waits_since_it_became_ready_and_editing_keeps_its_place(kit):
    account = kit.account(start=True)
    email = kit.write_draft(account, "Welcome email", kit.T0 + kit.H)
    assert email.ready_since == kit.T0 + kit.H
    account.edit_draft(email.id, {"subject": "Welcome aboard"}, kit.T0 + 3 * kit.H, kit.CSM_ID)
    assert email.ready_since == kit.T0 + kit.H  # the review queue keeps it where it was
    account.execute(email.id, kit.T0 + 4 * kit.H, kit.CSM_ID, kit.POLICY, kit.PEOPLE)
    account.delivery_failed(email.delivery_request, "mailbox_full", "The mailbox is full", kit.T0 + 5 * kit.H,
                            retryable=True)
    assert email.ready_since == kit.T0 + 5 * kit.H  # back in the queue from the failure
    assert email.last_error["retryable"] is True
    assert account.next_action_at() <= email.ready_since
