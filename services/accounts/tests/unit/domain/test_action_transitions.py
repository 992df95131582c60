"""Every transition of an action instance, with what each records in the account's history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from stitch.accounts.domain.happenings import OrgPolicy, People
from stitch.accounts.domain.states import ActionState

H = timedelta(hours=1)
AUTO_EMAIL = OrgPolicy(auto_send=frozenset({"SEND_EMAIL"}))


# -- pending → review_pending ----------------------------------------------------------------------

def test_a_zero_delay_email_asks_for_a_draft_when_its_milestone_starts(kit):
    account = kit.account()
    account.start_milestone(kit.milestone(account, 1).id, kit.T0, kit.CSM_ID, kit.POLICY)
    welcome = kit.action(account, "Welcome email")
    assert welcome.state is ActionState.REVIEW_PENDING
    assert welcome.draft_request and welcome.fired_at == kit.T0 and welcome.due_at is None and welcome.draft is None
    assert welcome.draft_instructions == ""
    asked = [h for h in account.changes if h.kind == "draft_requested"]
    assert [(h.action_id, h.actor, h.detail) for h in asked] == [
        (welcome.id, kit.CSM_ID, {"request_id": welcome.draft_request, "instructions": ""})]
    assert asked[0].milestone_id == welcome.milestone_id


@pytest.mark.parametrize("label", ["Kickoff call", "Tell the team"])
def test_starting_a_manual_meeting_or_slack_message_asks_for_a_draft(kit, label):
    account = kit.account(start=True)
    target = kit.action(account, label)
    assert target.state is ActionState.PENDING and target.due_at is None
    account.start_action(target.id, kit.T0 + H, kit.CSM_ID, kit.POLICY)
    assert target.state is ActionState.REVIEW_PENDING and target.fired_at == kit.T0 + H
    assert kit.kinds(account) == ["draft_requested"]
    [asked] = account.changes
    assert (asked.actor, asked.action_id, asked.at) == (kit.CSM_ID, target.id, kit.T0 + H)
    assert asked.detail == {"request_id": target.draft_request, "instructions": ""}


# -- review_pending → ready ------------------------------------------------------------------------

def test_the_written_draft_makes_the_action_ready(kit):
    account = kit.account(start=True)
    welcome = kit.action(account, "Welcome email")
    request = welcome.draft_request
    account.changes.clear()
    fields = dict(kit.DRAFTS[welcome.type])
    assert account.attach_draft(welcome.id, request, fields, ("{{portal_link}} has no value",), "ai",
                                kit.T0 + H, kit.POLICY, kit.PEOPLE) is True
    fields["subject"] = "changed by the caller afterwards"  # the draft keeps its own copy
    assert welcome.state is ActionState.READY and welcome.draft_request is None
    draft = welcome.draft
    assert (draft.number, draft.written_at, draft.written_by, draft.warnings, draft.edited) == (
        1, kit.T0 + H, "ai", ("{{portal_link}} has no value",), False)
    assert draft.fields == kit.DRAFTS[welcome.type]
    assert kit.kinds(account) == ["draft_written", "action_ready"]
    written, ready = account.changes
    assert written.actor is None and ready.actor is None
    assert written.detail == {"number": 1, "written_by": "ai", "warnings": ["{{portal_link}} has no value"]}
    assert ready.detail == {} and ready.action_id == welcome.id


def test_a_draft_for_a_request_that_is_no_longer_current_is_ignored(kit):
    account = kit.account(start=True)
    welcome = kit.action(account, "Welcome email")
    before = kit.snapshot(account)
    assert account.attach_draft(welcome.id, "an-older-request", kit.DRAFTS[welcome.type], (), "ai", kit.T0,
                                kit.POLICY, kit.PEOPLE) is False
    assert kit.snapshot(account) == before


def test_a_redelivered_draft_is_ignored_once_the_action_is_ready(kit):
    account = kit.account(start=True)
    welcome = kit.action(account, "Welcome email")
    request = welcome.draft_request
    kit.write_draft(account, "Welcome email")
    before = kit.snapshot(account)
    assert account.attach_draft(welcome.id, request, {"subject": "again"}, (), "ai", kit.T0, kit.POLICY,
                                kit.PEOPLE) is False
    assert kit.snapshot(account) == before


# -- ready → review_pending (a new draft) ----------------------------------------------------------

def test_asking_for_a_new_draft_returns_to_review_pending_and_the_next_draft_is_number_two(kit):
    account = kit.account(start=True)
    welcome = kit.write_draft(account, "Welcome email")
    account.changes.clear()
    account.request_new_draft(welcome.id, kit.T0 + H, kit.CSM_ID, "  shorter, please  ")
    assert welcome.state is ActionState.REVIEW_PENDING and welcome.draft.number == 1
    assert welcome.draft_instructions == "shorter, please"  # what the writer is asked for
    [asked] = account.changes
    assert (asked.kind, asked.actor, asked.detail) == (
        "draft_requested", kit.CSM_ID, {"request_id": welcome.draft_request, "instructions": "shorter, please"})
    second = account.attach_draft(welcome.id, welcome.draft_request, {"subject": "Short", "body": "Hi"}, (), "ai",
                                  kit.T0 + 2 * H, kit.POLICY, kit.PEOPLE)
    assert second and welcome.state is ActionState.READY
    assert welcome.draft.number == 2 and welcome.draft.fields == {"subject": "Short", "body": "Hi"}
    assert kit.only(account, "draft_written").detail["number"] == 2


def test_the_request_a_new_draft_replaced_is_stale(kit):
    account = kit.account(start=True)
    welcome = kit.action(account, "Welcome email")
    first_request = welcome.draft_request
    kit.write_draft(account, "Welcome email")
    account.request_new_draft(welcome.id, kit.T0, kit.CSM_ID)
    assert welcome.draft_request != first_request
    before = kit.snapshot(account)
    assert account.attach_draft(welcome.id, first_request, {"subject": "x"}, (), "ai", kit.T0, kit.POLICY,
                                kit.PEOPLE) is False
    assert kit.snapshot(account) == before


def test_new_draft_instructions_are_capped(kit):
    account = kit.account(start=True)
    welcome = kit.write_draft(account, "Welcome email")
    account.request_new_draft(welcome.id, kit.T0, kit.CSM_ID, "x" * 5000)
    assert len(kit.only(account, "draft_requested").detail["instructions"]) == 2000


# -- ready → executing → executed → completed ------------------------------------------------------

def test_executing_an_email_sends_a_delivery_request_with_recipients_resolved_now(kit):
    account = kit.account(start=True)
    welcome = kit.write_draft(account, "Welcome email")
    account.changes.clear()
    account.execute(welcome.id, kit.T0 + H, kit.CSM_ID, kit.POLICY, kit.PEOPLE)
    assert welcome.state is ActionState.EXECUTING and welcome.delivery_request and welcome.auto_sent is False
    assert kit.kinds(account) == ["action_approved", "delivery_requested"]
    approved, requested = account.changes
    assert (approved.actor, approved.detail) == (kit.CSM_ID, {"auto_sent": False})
    assert requested.actor == kit.CSM_ID and requested.action_id == welcome.id
    assert requested.detail == {
        "request_id": welcome.delivery_request, "channel": "email", "auto_sent": False,
        "delivery": {"email": {
            "from_name": "Walter Skinner", "notification": False, "reply_to": "walter@vendor.example",
            "to": [{"name": "Dana Scully", "email": "dana@acme.example"}],
            "cc": [{"name": "Walter Skinner", "email": "walter@vendor.example"}], "bcc": [],
            "subject": "Welcome to Vendor, Dana", "body_markdown": "Hi Dana,\n\nI'm Walter."}}}


def test_recipients_follow_the_contacts_at_execution_time(kit):
    account = kit.account(start=True)
    welcome = kit.write_draft(account, "Welcome email")
    account.change_contact("contact-fox", {"is_primary": True}, kit.T0, kit.CSM_ID)
    account.execute(welcome.id, kit.T0, kit.CSM_ID, kit.POLICY, People())
    email = kit.only(account, "delivery_requested").detail["delivery"]["email"]
    assert email["to"] == [{"name": "Fox Mulder", "email": "fox@acme.example"}]
    assert email["cc"] == [] and email["from_name"] == "" and email["reply_to"] is None  # no CSM known


def test_a_delivered_message_is_executed(kit):
    account = kit.account(start=True)
    welcome = kit.write_draft(account, "Welcome email")
    account.execute(welcome.id, kit.T0, kit.CSM_ID, kit.POLICY, kit.PEOPLE)
    request = welcome.delivery_request
    account.changes.clear()
    assert account.delivery_succeeded(request, kit.T0 + H, {"message_id": "<m-1@mail>"}) is True
    assert welcome.state is ActionState.EXECUTED and welcome.executed_at == kit.T0 + H
    assert welcome.delivery_request is None
    [executed] = account.changes
    assert (executed.kind, executed.actor, executed.action_id) == ("action_executed", None, welcome.id)
    assert executed.detail == {"channel": "email", "auto_sent": False, "message_id": "<m-1@mail>"}


@pytest.mark.parametrize("which", ["duplicate", "unknown"])
def test_a_duplicate_or_unknown_delivery_result_changes_nothing(kit, which):
    account = kit.account(start=True)
    welcome = kit.write_draft(account, "Welcome email")
    account.execute(welcome.id, kit.T0, kit.CSM_ID, kit.POLICY, kit.PEOPLE)
    request = welcome.delivery_request
    if which == "duplicate":
        assert account.delivery_succeeded(request, kit.T0, None)
    else:
        request = "no-such-request"
    before = kit.snapshot(account)
    assert account.delivery_succeeded(request, kit.T0 + H) is False
    assert account.delivery_failed(request, "late", "a late failure", kit.T0 + H) is False
    assert kit.snapshot(account) == before


def test_a_failed_delivery_returns_to_ready_with_the_error_and_can_be_retried(kit):
    account = kit.account(start=True)
    welcome = kit.write_draft(account, "Welcome email")
    account.execute(welcome.id, kit.T0, kit.CSM_ID, kit.POLICY, kit.PEOPLE)
    first = welcome.delivery_request
    account.changes.clear()
    assert account.delivery_failed(first, "smtp.rejected", "mailbox full", kit.T0 + H) is True
    assert welcome.state is ActionState.READY and welcome.delivery_request is None
    assert welcome.last_error == {"code": "smtp.rejected", "message": "mailbox full", "at": (kit.T0 + H).isoformat()}
    [failed] = account.changes
    assert (failed.kind, failed.actor, failed.detail) == (
        "delivery_failed", None, {"code": "smtp.rejected", "message": "mailbox full"})
    account.execute(welcome.id, kit.T0 + 2 * H, kit.CSM_ID, kit.POLICY, kit.PEOPLE)  # retry
    assert welcome.state is ActionState.EXECUTING and welcome.delivery_request not in (None, first)
    assert welcome.last_error is None
    assert account.delivery_succeeded(first, kit.T0 + 3 * H) is False  # the first attempt's result is stale
    assert account.delivery_succeeded(welcome.delivery_request, kit.T0 + 3 * H) is True
    assert welcome.state is ActionState.EXECUTED


def test_marking_an_executed_action_done_completes_it(kit):
    account = kit.account(start=True)
    welcome = kit.write_draft(account, "Welcome email")
    account.execute(welcome.id, kit.T0, kit.CSM_ID, kit.POLICY, kit.PEOPLE)
    account.delivery_succeeded(welcome.delivery_request, kit.T0)
    account.changes.clear()
    account.mark_done(welcome.id, kit.T0 + H, kit.CSM_ID)
    assert welcome.state is ActionState.COMPLETED and welcome.completed_at == kit.T0 + H
    [done] = account.changes
    assert (done.kind, done.actor, done.detail) == ("action_completed", kit.CSM_ID, {"done_outside": False})


def test_a_customer_submission_completes_a_published_portal_task(kit):
    account = kit.account(start=True)
    questionnaire = kit.action(account, "Setup questionnaire")
    assert questionnaire.state is ActionState.EXECUTED
    assert account.customer_submitted(questionnaire.id, "submission-1", kit.T0 + H) is True
    assert questionnaire.state is ActionState.COMPLETED and questionnaire.completed_at == kit.T0 + H
    assert [(h.kind, h.actor, h.detail) for h in account.changes] == [
        ("customer_submitted", None, {"submission_id": "submission-1"}),
        ("action_completed", None, {"done_outside": False})]


def test_a_second_submission_is_recorded_but_changes_no_state(kit):
    account = kit.account(start=True)
    questionnaire = kit.action(account, "Setup questionnaire")
    account.customer_submitted(questionnaire.id, "submission-1", kit.T0 + H)
    account.changes.clear()
    state_before = kit.snapshot(account)
    assert account.customer_submitted(questionnaire.id, "submission-2", kit.T0 + 2 * H) is False
    assert questionnaire.state is ActionState.COMPLETED and questionnaire.completed_at == kit.T0 + H
    [recorded] = account.changes
    assert (recorded.kind, recorded.actor, recorded.detail) == (
        "customer_submitted", None, {"submission_id": "submission-2"})
    after = kit.snapshot(account)
    assert {k: v for k, v in after.items() if k not in ("changes", "updated_at")} == \
        {k: v for k, v in state_before.items() if k not in ("changes", "updated_at")}


def test_a_submission_for_a_message_is_recorded_and_changes_no_state(kit):
    account = kit.account(start=True)
    welcome = kit.action(account, "Welcome email")
    assert account.customer_submitted(welcome.id, "submission-1", kit.T0) is False
    assert welcome.state is ActionState.REVIEW_PENDING
    assert kit.kinds(account) == ["customer_submitted"]


@pytest.mark.parametrize("label", ["Tell the team", "Kickoff call"])
def test_a_slack_message_or_meeting_can_be_done_outside_stitch_from_ready(kit, label):
    account = kit.account(start=True)
    account.start_action(kit.action(account, label).id, kit.T0, kit.CSM_ID, kit.POLICY)
    target = kit.write_draft(account, label)
    account.changes.clear()
    account.mark_done(target.id, kit.T0 + H, kit.CSM_ID)
    assert target.state is ActionState.COMPLETED and target.executed_at is None
    [done] = account.changes
    assert (done.kind, done.actor, done.detail) == ("action_completed", kit.CSM_ID, {"done_outside": True})


# -- skipping --------------------------------------------------------------------------------------

@pytest.mark.parametrize("label,state", [("Follow-up email", ActionState.PENDING),
                                         ("Kickoff call", ActionState.PENDING),
                                         ("Welcome email", ActionState.REVIEW_PENDING),
                                         ("Welcome email", ActionState.READY)])
def test_an_open_action_can_be_skipped(kit, label, state):
    account = kit.account(start=True)
    target = kit.action(account, label)
    if state is ActionState.READY:
        kit.write_draft(account, label)
    assert target.state is state
    account.changes.clear()
    account.skip(target.id, kit.T0 + H, kit.CSM_ID, "  not needed for this customer  ")
    assert target.state is ActionState.SKIPPED
    assert target.due_at is None and target.draft_request is None
    [skipped] = account.changes
    assert (skipped.kind, skipped.actor, skipped.action_id, skipped.detail) == (
        "action_skipped", kit.CSM_ID, target.id,
        {"reason": "not needed for this customer", "withdrawn_from_portal": False})


def test_a_published_portal_task_can_be_taken_back_from_the_customer(kit):
    account = kit.account(start=True)
    task = kit.action(account, "Setup questionnaire")
    assert task.state is ActionState.EXECUTED
    account.changes.clear()
    account.skip(task.id, kit.T0 + H, kit.CSM_ID, "done on the call")
    assert task.state is ActionState.SKIPPED
    [skipped] = account.changes
    assert skipped.detail == {"reason": "done on the call", "withdrawn_from_portal": True}


def test_a_draft_arriving_for_a_skipped_action_is_ignored(kit):
    account = kit.account(start=True)
    welcome = kit.action(account, "Welcome email")
    request = welcome.draft_request
    account.skip(welcome.id, kit.T0, kit.CSM_ID)
    before = kit.snapshot(account)
    assert account.attach_draft(welcome.id, request, kit.DRAFTS[welcome.type], (), "ai", kit.T0, kit.POLICY,
                                kit.PEOPLE) is False
    assert kit.snapshot(account) == before


# -- portal tasks ----------------------------------------------------------------------------------

def test_a_portal_task_is_published_as_soon_as_it_fires(kit):
    account = kit.account()
    account.start_milestone(kit.milestone(account, 1).id, kit.T0, kit.CSM_ID, kit.POLICY)
    questionnaire = kit.action(account, "Setup questionnaire")
    assert questionnaire.state is ActionState.EXECUTED and questionnaire.executed_at == kit.T0
    [published] = [h for h in account.changes if h.action_id == questionnaire.id]
    assert (published.kind, published.actor, published.detail) == (
        "action_executed", kit.CSM_ID, {"channel": "portal", "auto_sent": False})


def test_an_org_that_reviews_portal_tasks_holds_them_in_ready_until_released(kit):
    review = OrgPolicy(review_portal_tasks=True)
    account = kit.account(start=True, policy=review)
    questionnaire = kit.action(account, "Setup questionnaire")
    assert questionnaire.state is ActionState.READY and questionnaire.draft is None
    account.changes.clear()
    account.execute(questionnaire.id, kit.T0 + H, kit.CSM_ID, review, kit.PEOPLE)
    assert questionnaire.state is ActionState.EXECUTED and questionnaire.executed_at == kit.T0 + H
    assert questionnaire.delivery_request is None
    assert [(h.kind, h.actor, h.detail) for h in account.changes] == [
        ("action_approved", kit.CSM_ID, {"auto_sent": False}),
        ("action_executed", kit.CSM_ID, {"channel": "portal", "auto_sent": False})]


def test_holding_a_portal_task_is_recorded(kit):
    review = OrgPolicy(review_portal_tasks=True)
    account = kit.account()
    account.start_milestone(kit.milestone(account, 1).id, kit.T0, kit.CSM_ID, review)
    questionnaire = kit.action(account, "Setup questionnaire")
    [held] = [h for h in account.changes if h.action_id == questionnaire.id]
    assert (held.kind, held.actor, held.detail) == ("action_ready", kit.CSM_ID, {"held_for_review": True})


def test_a_held_portal_task_is_released_even_without_contacts(kit):
    review = OrgPolicy(review_portal_tasks=True)
    account = kit.account(contacts=False, start=True, policy=review)
    questionnaire = kit.action(account, "Setup questionnaire")
    account.execute(questionnaire.id, kit.T0, kit.CSM_ID, review, People())
    assert questionnaire.state is ActionState.EXECUTED


# -- auto-send -------------------------------------------------------------------------------------

def test_an_auto_sent_email_goes_out_without_approval_and_the_history_says_so(kit):
    account = kit.account(start=True, policy=AUTO_EMAIL)
    welcome = kit.action(account, "Welcome email")
    account.changes.clear()
    kit.write_draft(account, "Welcome email", kit.T0 + H, policy=AUTO_EMAIL)
    assert welcome.state is ActionState.EXECUTING and welcome.auto_sent is True and welcome.delivery_request
    assert kit.kinds(account) == ["draft_written", "action_ready", "action_approved", "delivery_requested"]
    assert all(h.actor is None for h in account.changes)
    assert kit.only(account, "action_approved").detail == {"auto_sent": True}
    requested = kit.only(account, "delivery_requested").detail
    assert requested["auto_sent"] is True and requested["request_id"] == welcome.delivery_request
    assert requested["delivery"]["email"]["to"] == [{"name": "Dana Scully", "email": "dana@acme.example"}]
    account.changes.clear()
    account.delivery_succeeded(welcome.delivery_request, kit.T0 + 2 * H)
    assert kit.only(account, "action_executed").detail == {"channel": "email", "auto_sent": True}


def test_auto_send_with_nobody_to_send_to_waits_in_ready_and_says_why(kit):
    account = kit.account(contacts=False, start=True, policy=AUTO_EMAIL)
    welcome = kit.action(account, "Welcome email")
    account.changes.clear()
    kit.write_draft(account, "Welcome email", kit.T0 + H, policy=AUTO_EMAIL)
    assert welcome.state is ActionState.READY and welcome.delivery_request is None and welcome.auto_sent is False
    assert kit.kinds(account) == ["draft_written", "action_ready", "auto_send_held"]
    held = kit.only(account, "auto_send_held")
    assert held.actor is None and held.action_id == welcome.id
    assert held.detail["code"] == "action.execute.no_recipients"
    assert held.detail["message"].startswith("nobody to send this to")
    assert welcome.last_error["code"] == "action.execute.no_recipients"  # the CSM sees why it waits


def test_auto_send_holds_a_draft_with_warnings_for_a_person(kit):
    account = kit.account(start=True, policy=AUTO_EMAIL)
    welcome = kit.action(account, "Welcome email")
    account.changes.clear()
    account.attach_draft(welcome.id, welcome.draft_request, dict(kit.DRAFTS[welcome.type]),
                         ("{{csm_name}} has no value for this account: check the text",), "offline",
                         kit.T0 + H, AUTO_EMAIL, kit.PEOPLE)
    assert welcome.state is ActionState.READY and welcome.auto_sent is False
    assert kit.kinds(account) == ["draft_written", "action_ready", "auto_send_held"]
    assert welcome.last_error["code"] == "action.auto_send.draft_has_warnings"


def test_auto_send_of_a_type_the_org_cannot_deliver_waits_in_ready(kit):
    policy = OrgPolicy(auto_send=frozenset({"SLACK"}))  # Slack is not connected
    account = kit.account(start=True, policy=policy)
    account.start_action(kit.action(account, "Tell the team").id, kit.T0, kit.CSM_ID, policy)
    account.changes.clear()
    slack = kit.write_draft(account, "Tell the team", policy=policy)
    assert slack.state is ActionState.READY
    assert kit.kinds(account) == ["draft_written", "action_ready"]


def test_auto_send_of_a_connected_slack_message(kit):
    policy = OrgPolicy(auto_send=frozenset({"SLACK"}), slack_connected=True)
    account = kit.account(start=True, policy=policy)
    account.start_action(kit.action(account, "Tell the team").id, kit.T0, kit.CSM_ID, policy)
    slack = kit.write_draft(account, "Tell the team", policy=policy)
    assert slack.state is ActionState.EXECUTING and slack.auto_sent is True
    assert kit.only(account, "delivery_requested").detail["delivery"] == {
        "slack": {"channel": "account_channel", "text": "Kickoff for *Acme Corp* is booked."}}


def test_auto_send_only_covers_the_listed_types(kit):
    account = kit.account(start=True, policy=OrgPolicy(auto_send=frozenset({"SLACK"}), slack_connected=True))
    welcome = kit.write_draft(account, "Welcome email",
                              policy=OrgPolicy(auto_send=frozenset({"SLACK"}), slack_connected=True))
    assert welcome.state is ActionState.READY


def test_nothing_is_auto_sent_from_an_archived_account(kit):
    account = kit.account(start=True, policy=AUTO_EMAIL)
    account.archive("customer paused", kit.T0, kit.CSM_ID)
    welcome = kit.write_draft(account, "Welcome email", policy=AUTO_EMAIL)
    assert welcome.state is ActionState.READY and welcome.delivery_request is None


# -- meetings and Slack with their connections ----------------------------------------------------

def test_a_meeting_goes_to_the_calendar_when_one_is_connected(kit):
    policy = OrgPolicy(calendar_connected=True)
    account = kit.account(start=True)
    account.start_action(kit.action(account, "Kickoff call").id, kit.T0, kit.CSM_ID, policy)
    meeting = kit.write_draft(account, "Kickoff call")
    account.changes.clear()
    account.execute(meeting.id, kit.T0, kit.CSM_ID, policy, kit.PEOPLE)
    assert meeting.state is ActionState.EXECUTING
    requested = kit.only(account, "delivery_requested").detail
    assert requested["channel"] == "calendar"
    assert requested["delivery"] == {"meeting": {
        "title": "Acme Corp × Vendor: kickoff", "agenda": "1. Introductions", "duration_minutes": 30,
        "location": "Video call", "attendees": [{"name": "Dana Scully", "email": "dana@acme.example"},
                                                {"name": "Walter Skinner", "email": "walter@vendor.example"}]}}
    account.delivery_succeeded(meeting.delivery_request, kit.T0)
    assert kit.only(account, "action_executed").detail["channel"] == "calendar"


def test_a_slack_message_goes_to_slack_when_it_is_connected(kit):
    policy = OrgPolicy(slack_connected=True)
    account = kit.account(start=True)
    account.start_action(kit.action(account, "Tell the team").id, kit.T0, kit.CSM_ID, policy)
    slack = kit.write_draft(account, "Tell the team", fields={"channel": "", "message": "Booked."})
    account.execute(slack.id, kit.T0, kit.CSM_ID, policy, kit.PEOPLE)
    requested = kit.only(account, "delivery_requested").detail
    assert requested["channel"] == "slack"
    assert requested["delivery"] == {"slack": {"channel": "account_channel", "text": "Booked."}}
