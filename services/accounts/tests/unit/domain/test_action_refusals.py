"""Every refusal of the action rules: the rule it names, and an account left exactly as it was."""

from __future__ import annotations

from datetime import timedelta

import pytest

from stitch.accounts.domain.errors import NotFound, RuleBroken
from stitch.accounts.domain.happenings import OrgPolicy, People
from stitch.accounts.domain.states import DONE_STATES, ActionState

H = timedelta(hours=1)
EMAIL_DEFINITION = {"label": "Extra note", "type": "SEND_EMAIL",
                    "trigger": {"type": "milestone_start", "delay_hours": 0},
                    "content": {"subject": "Hi", "body": "Hello", "to": ["primary_contact"]}}


def executed_welcome(kit, account):
    welcome = kit.write_draft(account, "Welcome email")
    account.execute(welcome.id, kit.T0, kit.CSM_ID, kit.POLICY, kit.PEOPLE)
    account.delivery_succeeded(welcome.delivery_request, kit.T0)
    return welcome


# -- execute ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("label", ["Follow-up email", "Welcome email", "Setup questionnaire"])
def test_only_a_ready_action_can_be_executed(kit, label):
    account = kit.account(start=True)  # pending, review_pending, executed
    target = kit.action(account, label)
    refusal = kit.refused(account, lambda: account.execute(target.id, kit.T0, kit.CSM_ID, kit.POLICY, kit.PEOPLE),
                          "action.execute.not_ready")
    assert refusal.details == {"state": target.state.value}


@pytest.mark.parametrize("label,what", [("Tell the team", "Slack is"), ("Kickoff call", "no calendar")])
def test_slack_or_a_meeting_without_its_connection_cannot_be_executed(kit, label, what):
    account = kit.account(start=True)
    account.start_action(kit.action(account, label).id, kit.T0, kit.CSM_ID, kit.POLICY)
    target = kit.write_draft(account, label)
    refusal = kit.refused(account, lambda: account.execute(target.id, kit.T0, kit.CSM_ID, kit.POLICY, kit.PEOPLE),
                          "action.execute.no_connection")
    assert refusal.details == {"type": target.type.value}
    assert refusal.message.startswith(what) and "mark it done" in refusal.message


def test_a_draft_left_with_a_merge_field_cannot_be_executed(kit):
    account = kit.account(start=True)
    welcome = kit.write_draft(account, "Welcome email")
    account.edit_draft(welcome.id, {"body": "Hi {{ contact_first_name }}, see {{portal_link}} {{portal_link}}"},
                       kit.T0, kit.CSM_ID)
    refusal = kit.refused(account, lambda: account.execute(welcome.id, kit.T0, kit.CSM_ID, kit.POLICY, kit.PEOPLE),
                          "action.execute.unfilled_merge_fields")
    assert refusal.details == {"fields": ["contact_first_name", "portal_link"]}
    assert "{{contact_first_name}}, {{portal_link}}" in refusal.message


def test_a_meeting_with_a_merge_field_left_in_its_title_cannot_be_executed(kit):
    policy = OrgPolicy(calendar_connected=True)
    account = kit.account(start=True)
    account.start_action(kit.action(account, "Kickoff call").id, kit.T0, kit.CSM_ID, policy)
    meeting = kit.write_draft(account, "Kickoff call", fields={**kit.DRAFTS[kit.action(account, "Kickoff call").type],
                                                               "title": "{{company_name}} kickoff"})
    refusal = kit.refused(account, lambda: account.execute(meeting.id, kit.T0, kit.CSM_ID, policy, kit.PEOPLE),
                          "action.execute.unfilled_merge_fields")
    assert refusal.details == {"fields": ["company_name"]}


def test_an_email_without_a_primary_contact_cannot_be_executed(kit):
    account = kit.account(contacts=False, start=True)
    welcome = kit.write_draft(account, "Welcome email")
    kit.refused(account, lambda: account.execute(welcome.id, kit.T0, kit.CSM_ID, kit.POLICY, kit.PEOPLE),
                "action.execute.no_recipients")


def test_an_email_whose_rules_reach_nobody_cannot_be_executed(kit):
    account = kit.account(start=True)
    welcome = kit.write_draft(account, "Welcome email", fields={"subject": "Hi", "body": "Hello",
                                                                "to": ["role:billing", "someone"]})
    kit.refused(account, lambda: account.execute(welcome.id, kit.T0, kit.CSM_ID, kit.POLICY, People()),
                "action.execute.no_recipients")


# -- drafts ----------------------------------------------------------------------------------------

def test_editing_a_ready_draft_records_the_changed_fields(kit):
    account = kit.account(start=True)
    welcome = kit.write_draft(account, "Welcome email")
    account.changes.clear()
    account.edit_draft(welcome.id, {"subject": "Welcome aboard", "body": welcome.draft.fields["body"],
                                    "bcc": ["audit@vendor.example"]}, kit.T0 + H, kit.CSM_ID)
    draft = welcome.draft
    assert draft.fields["subject"] == "Welcome aboard" and draft.fields["bcc"] == ["audit@vendor.example"]
    assert (draft.number, draft.edited, draft.written_by, draft.written_at) == (1, True, kit.CSM_ID, kit.T0 + H)
    [edited] = account.changes
    assert (edited.kind, edited.actor, edited.detail) == ("draft_edited", kit.CSM_ID, {"fields": ["bcc", "subject"]})


def test_an_edit_that_changes_nothing_records_nothing(kit):
    account = kit.account(start=True)
    welcome = kit.write_draft(account, "Welcome email")
    before = kit.snapshot(account)
    account.edit_draft(welcome.id, {"subject": welcome.draft.fields["subject"]}, kit.T0 + H, kit.CSM_ID)
    assert kit.snapshot(account) == before


@pytest.mark.parametrize("label", ["Welcome email", "Follow-up email"])
def test_only_a_ready_draft_can_be_edited(kit, label):
    account = kit.account(start=True)  # review_pending, pending
    target = kit.action(account, label)
    kit.refused(account, lambda: account.edit_draft(target.id, {"subject": "x"}, kit.T0, kit.CSM_ID),
                "action.draft.not_ready")


def test_a_held_portal_task_has_no_draft_to_edit(kit):
    review = OrgPolicy(review_portal_tasks=True)
    account = kit.account(start=True, policy=review)
    questionnaire = kit.action(account, "Setup questionnaire")
    assert questionnaire.state is ActionState.READY
    kit.refused(account, lambda: account.edit_draft(questionnaire.id, {"intro": "x"}, kit.T0, kit.CSM_ID),
                "action.draft.none")


def test_a_draft_edit_names_every_bad_field(kit):
    account = kit.account(start=True)
    welcome = kit.write_draft(account, "Welcome email")
    found = kit.invalid(account, lambda: account.edit_draft(
        welcome.id, {"message": "not an email field", "subject": 42, "to": ["dana@acme.example", "  "],
                     "cc": "csm", "body": "x" * 50_001}, kit.T0, kit.CSM_ID))
    assert found == {"draft.message": "is not a field of a SEND_EMAIL draft", "draft.subject": "must be a str",
                     "draft.to": "must be a list of recipient rules or addresses", "draft.cc": "must be a list",
                     "draft.body": "must be at most 50000 characters"}


def test_a_meeting_draft_refuses_a_boolean_duration(kit):
    account = kit.account(start=True)
    account.start_action(kit.action(account, "Kickoff call").id, kit.T0, kit.CSM_ID, kit.POLICY)
    meeting = kit.write_draft(account, "Kickoff call")
    found = kit.invalid(account, lambda: account.edit_draft(meeting.id, {"duration_minutes": True}, kit.T0, None))
    assert found == {"draft.duration_minutes": "must be a int"}


@pytest.mark.parametrize("label", ["Setup questionnaire"])
def test_a_portal_task_has_no_draft_to_ask_for(kit, label):
    account = kit.account(start=True)
    target = kit.action(account, label)
    kit.refused(account, lambda: account.request_new_draft(target.id, kit.T0, kit.CSM_ID), "action.draft.not_drafted")


def test_a_new_draft_needs_a_ready_action(kit):
    account = kit.account(start=True)
    welcome = kit.action(account, "Welcome email")
    kit.refused(account, lambda: account.request_new_draft(welcome.id, kit.T0, kit.CSM_ID), "action.draft.not_ready")


# -- starting --------------------------------------------------------------------------------------

def test_an_action_of_a_milestone_that_has_not_started_cannot_start(kit):
    account = kit.account(start=True)
    go_live = kit.action(account, "Go-live email")
    kit.refused(account, lambda: account.start_action(go_live.id, kit.T0, kit.CSM_ID, kit.POLICY),
                "action.start.milestone_not_started")


def test_an_action_of_a_milestone_blocked_before_it_started_cannot_start(kit):
    account = kit.account(start=True)
    account.block_milestone(kit.milestone(account, 2).id, "waiting for legal", kit.T0, kit.CSM_ID)
    dpa = kit.action(account, "Signed DPA")
    kit.refused(account, lambda: account.start_action(dpa.id, kit.T0, kit.CSM_ID, kit.POLICY),
                "action.start.milestone_not_started")


@pytest.mark.parametrize("label", ["Welcome email", "Setup questionnaire"])
def test_only_a_pending_action_can_be_started(kit, label):
    account = kit.account(start=True)
    target = kit.action(account, label)
    refusal = kit.refused(account, lambda: account.start_action(target.id, kit.T0, kit.CSM_ID, kit.POLICY),
                          "action.start.not_pending")
    assert refusal.details == {"state": target.state.value}


# -- skipping and completing -----------------------------------------------------------------------

@pytest.mark.parametrize("how", ["completed", "skipped", "executing"])
def test_only_an_open_action_can_be_skipped(kit, how):
    account = kit.account(start=True)
    if how == "executing":
        target = kit.write_draft(account, "Welcome email")
        account.execute(target.id, kit.T0, kit.CSM_ID, kit.POLICY, kit.PEOPLE)
    else:
        target = kit.action(account, "Setup questionnaire")  # executed at the start
        if how == "completed":
            account.mark_done(target.id, kit.T0, kit.CSM_ID)
        elif how == "skipped":
            target = kit.action(account, "Follow-up email")
            account.skip(target.id, kit.T0, kit.CSM_ID)
    assert target.state.value == how
    kit.refused(account, lambda: account.skip(target.id, kit.T0, kit.CSM_ID), "action.skip.not_open")


@pytest.mark.parametrize("label,draft", [("Follow-up email", False), ("Welcome email", False),
                                         ("Welcome email", True)])
def test_an_email_that_was_not_executed_cannot_be_marked_done(kit, label, draft):
    account = kit.account(start=True)  # pending / review_pending / ready
    target = kit.write_draft(account, label) if draft else kit.action(account, label)
    refusal = kit.refused(account, lambda: account.mark_done(target.id, kit.T0, kit.CSM_ID),
                          "action.complete.not_executed")
    assert refusal.details == {"state": target.state.value}


def test_a_pending_meeting_cannot_be_marked_done(kit):
    account = kit.account(start=True)
    meeting = kit.action(account, "Kickoff call")
    kit.refused(account, lambda: account.mark_done(meeting.id, kit.T0, kit.CSM_ID), "action.complete.not_executed")


def test_an_executing_message_cannot_be_marked_done(kit):
    account = kit.account(start=True)
    welcome = kit.write_draft(account, "Welcome email")
    account.execute(welcome.id, kit.T0, kit.CSM_ID, kit.POLICY, kit.PEOPLE)
    kit.refused(account, lambda: account.mark_done(welcome.id, kit.T0, kit.CSM_ID), "action.complete.not_executed")


# -- rescheduling ----------------------------------------------------------------------------------

def test_a_manual_action_has_no_schedule(kit):
    account = kit.account(start=True)
    meeting = kit.action(account, "Kickoff call")
    kit.refused(account, lambda: account.reschedule(meeting.id, kit.T0, kit.CSM_ID, delay_hours=4),
                "action.reschedule.manual")


def test_only_a_pending_action_can_be_rescheduled(kit):
    account = kit.account(start=True)
    welcome = kit.action(account, "Welcome email")
    kit.refused(account, lambda: account.reschedule(welcome.id, kit.T0, kit.CSM_ID, delay_hours=4),
                "action.reschedule.not_pending")


def test_an_exact_time_needs_a_started_milestone(kit):
    account = kit.account(start=True)
    dpa = kit.action(account, "Signed DPA")
    kit.refused(account, lambda: account.reschedule(dpa.id, kit.T0, kit.CSM_ID, at=kit.T0 + 5 * H),
                "action.reschedule.milestone_not_started")


@pytest.mark.parametrize("offset", [timedelta(0), -H])
def test_an_exact_time_must_be_in_the_future(kit, offset):
    account = kit.account(start=True)
    follow_up = kit.action(account, "Follow-up email")
    now = kit.T0 + 2 * H
    assert kit.invalid(account, lambda: account.reschedule(follow_up.id, now, kit.CSM_ID, at=now + offset)) == {
        "at": "must be in the future (use execute-now to run it at once)"}


@pytest.mark.parametrize("kwargs", [{}, {"delay_hours": 4, "at": "both"}])
def test_reschedule_takes_either_a_delay_or_a_time(kit, kwargs):
    account = kit.account(start=True)
    follow_up = kit.action(account, "Follow-up email")
    if kwargs.get("at") == "both":
        kwargs = {"delay_hours": 4, "at": kit.T0 + 5 * H}
    assert kit.invalid(account, lambda: account.reschedule(follow_up.id, kit.T0, kit.CSM_ID, **kwargs)) == {
        "delay_hours": "give either delay_hours or at, not both"}


@pytest.mark.parametrize("delay", [-1, 721, True])
def test_a_new_delay_must_be_0_to_720_hours(kit, delay):
    account = kit.account(start=True)
    follow_up = kit.action(account, "Follow-up email")
    assert kit.invalid(account, lambda: account.reschedule(follow_up.id, kit.T0, kit.CSM_ID, delay_hours=delay)) == {
        "delay_hours": "must be a whole number from 0 to 720"}


# -- per-account changes to the plan ---------------------------------------------------------------

def test_only_a_pending_action_can_be_edited(kit):
    account = kit.account(start=True)
    welcome = kit.action(account, "Welcome email")
    kit.refused(account, lambda: account.edit_action(welcome.id, EMAIL_DEFINITION, kit.T0, kit.CSM_ID, kit.POLICY),
                "action.edit.not_pending")


@pytest.mark.parametrize("how", ["executing", "executed", "completed"])
def test_what_reached_the_customer_cannot_be_removed(kit, how):
    account = kit.account(start=True)
    welcome = kit.write_draft(account, "Welcome email")
    account.execute(welcome.id, kit.T0, kit.CSM_ID, kit.POLICY, kit.PEOPLE)
    if how != "executing":
        account.delivery_succeeded(welcome.delivery_request, kit.T0)
    if how == "completed":
        account.mark_done(welcome.id, kit.T0, kit.CSM_ID)
    refusal = kit.refused(account, lambda: account.remove_action(welcome.id, kit.T0, kit.CSM_ID),
                          "action.remove.already_sent")
    assert refusal.details == {"state": how}


def test_removing_an_unsent_action_renumbers_the_rest(kit):
    account = kit.account(start=True)
    follow_up = kit.action(account, "Follow-up email")
    account.changes.clear()
    account.remove_action(follow_up.id, kit.T0, kit.CSM_ID)
    first = kit.milestone(account, 1)
    assert [(a.position, a.label) for a in first.actions] == [
        (1, "Welcome email"), (2, "Setup questionnaire"), (3, "Kickoff call"), (4, "Tell the team")]
    [removed] = account.changes
    assert (removed.kind, removed.actor, removed.action_id, removed.detail) == (
        "action_removed", kit.CSM_ID, follow_up.id, {"label": "Follow-up email"})
    with pytest.raises(NotFound):
        account.action(follow_up.id)


def test_an_action_cannot_be_added_to_a_completed_milestone(kit):
    account = kit.account(start=True)
    first = kit.milestone(account, 1)
    account.customer_submitted(kit.action(account, "Setup questionnaire").id, "submission-1", kit.T0)
    account.complete_milestone(first.id, kit.T0, kit.CSM_ID, kit.POLICY)
    kit.refused(account, lambda: account.add_action(first.id, EMAIL_DEFINITION, "new-action", kit.T0, kit.CSM_ID,
                                                    kit.POLICY), "milestone.completed")


@pytest.mark.parametrize("command", [
    lambda a, kit: a.start_action("nope", kit.T0, kit.CSM_ID, kit.POLICY),
    lambda a, kit: a.execute("nope", kit.T0, kit.CSM_ID, kit.POLICY, kit.PEOPLE),
    lambda a, kit: a.mark_done("nope", kit.T0, kit.CSM_ID),
    lambda a, kit: a.skip("nope", kit.T0, kit.CSM_ID),
    lambda a, kit: a.reschedule("nope", kit.T0, kit.CSM_ID, delay_hours=1),
    lambda a, kit: a.remove_action("nope", kit.T0, kit.CSM_ID),
    lambda a, kit: a.add_action("nope", EMAIL_DEFINITION, "x", kit.T0, kit.CSM_ID, kit.POLICY),
])
def test_an_unknown_action_or_milestone_is_not_found(kit, command):
    account = kit.account(start=True)
    before = kit.snapshot(account)
    with pytest.raises(NotFound):
        command(account, kit)
    assert kit.snapshot(account) == before


def test_editing_an_action_of_a_completed_milestone_cannot_leave_an_open_blocker(kit):
    account = kit.account(start=True)
    first = kit.milestone(account, 1)
    account.customer_submitted(kit.action(account, "Setup questionnaire").id, "submission-1", kit.T0)
    account.complete_milestone(first.id, kit.T0, kit.CSM_ID, kit.POLICY)
    meeting = kit.action(account, "Kickoff call")  # still pending on the completed milestone
    as_blocker = {"label": "Kickoff call", "type": "SCHEDULE_MEETING", "trigger": {"type": "manual"},
                  "visibility": {"portal": {"visible": True, "blocker": True}}, "content": {"title": "Kickoff"}}
    try:
        account.edit_action(meeting.id, as_blocker, kit.T0, kit.CSM_ID, kit.POLICY)
    except RuleBroken:
        return  # refused, as add_action would be
    assert [a.label for a in first.actions if a.blocker and a.state not in DONE_STATES] == []
