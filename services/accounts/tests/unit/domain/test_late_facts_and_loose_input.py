"""Rules added after the first review: late outside facts, archived accounts, loosely typed input."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from stitch.accounts.domain.account import Account
from stitch.accounts.domain.errors import InvalidInput
from stitch.accounts.domain.happenings import OrgPolicy
from stitch.accounts.domain.plan import definition_of
from stitch.accounts.domain.states import AccountStatus, ActionState, MilestoneState

H = timedelta(hours=1)


def test_a_scheduled_action_does_not_fire_on_an_archived_account(kit):
    account = kit.account(start=True)
    follow_up = kit.action(account, "Follow-up email")
    account.archive("customer paused", kit.T0, kit.CSM_ID)
    before = kit.snapshot(account)
    assert account.fire_due(follow_up.id, follow_up.due_at + H, kit.POLICY) is False
    assert kit.snapshot(account) == before


def test_a_meeting_whose_attendees_resolve_to_nobody_is_refused(kit):
    account = kit.account(contacts=False, start=True)
    account.start_action(kit.action(account, "Kickoff call").id, kit.T0, kit.CSM_ID, kit.POLICY)
    meeting = kit.write_draft(account, "Kickoff call", fields={**kit.DRAFTS[kit.action(account, "Kickoff call").type],
                                                               "attendees": ["role:nobody"]})
    calendar = OrgPolicy(calendar_connected=True)
    kit.refused(account, lambda: account.execute(meeting.id, kit.T0, kit.CSM_ID, calendar, kit.PEOPLE),
                "action.execute.no_recipients")


@pytest.mark.parametrize("delay", [1.5, "5", True, -1, 721])
def test_a_delay_must_be_a_whole_number_of_hours(kit, delay):
    account = kit.account(start=True)
    follow_up = kit.action(account, "Follow-up email")
    assert "delay_hours" in kit.invalid(account, lambda: account.reschedule(
        follow_up.id, kit.T0, kit.CSM_ID, delay_hours=delay))


@pytest.mark.parametrize("at", [datetime(2030, 1, 1, 9, 0), "2030-01-01T09:00:00+00:00"])
def test_an_exact_time_must_be_a_date_time_with_an_offset(kit, at):
    account = kit.account(start=True)
    follow_up = kit.action(account, "Follow-up email")
    assert "at" in kit.invalid(account, lambda: account.reschedule(follow_up.id, kit.T0, kit.CSM_ID, at=at))


def test_a_status_given_as_text_is_read_and_an_unknown_one_named(kit):
    account = kit.account()
    account.set_status("at_risk", kit.T0, kit.CSM_ID)
    assert account.status is AccountStatus.AT_RISK
    assert "status" in kit.invalid(account, lambda: account.set_status("sleeping", kit.T0, kit.CSM_ID))


@pytest.mark.parametrize("changes,field", [({"duration_minutes": -30}, "draft.duration_minutes"),
                                           ({"duration_minutes": 601}, "draft.duration_minutes")])
def test_a_meeting_draft_keeps_a_sensible_length(kit, changes, field):
    account = kit.account(start=True)
    account.start_action(kit.action(account, "Kickoff call").id, kit.T0, kit.CSM_ID, kit.POLICY)
    meeting = kit.write_draft(account, "Kickoff call")
    assert field in kit.invalid(account, lambda: account.edit_draft(meeting.id, changes, kit.T0, kit.CSM_ID))


def test_an_email_draft_cannot_lose_every_recipient(kit):
    account = kit.account(start=True)
    email = kit.write_draft(account, "Welcome email")
    assert "draft.to" in kit.invalid(account, lambda: account.edit_draft(email.id, {"to": []}, kit.T0, kit.CSM_ID))


def test_a_delivery_detail_cannot_overwrite_what_the_engine_records(kit):
    account = kit.account(start=True)
    email = kit.write_draft(account, "Welcome email")
    account.execute(email.id, kit.T0, kit.CSM_ID, kit.POLICY, kit.PEOPLE)
    account.changes.clear()
    account.delivery_succeeded(email.delivery_request, kit.T0 + H, {"channel": "pigeon", "auto_sent": True,
                                                                     "provider_message_id": "m-1"})
    executed = kit.only(account, "action_executed")
    assert executed.detail == {"provider_message_id": "m-1", "channel": "email", "auto_sent": False}
    assert email.state is ActionState.EXECUTED


def test_reapplying_a_completed_account_makes_it_active_again(kit):
    account = kit.account(start=True)
    account.status = AccountStatus.COMPLETED  # as the last milestone would have left it
    account.apply_template(kit.REVISION, kit.T0 + H, kit.CSM_ID, confirm_reset=True)
    assert account.status is AccountStatus.ACTIVE
    assert "status_changed" in kit.kinds(account)


def test_rewording_a_rescheduled_action_keeps_its_new_time(kit):
    account = kit.account(start=True)
    follow_up = kit.action(account, "Follow-up email")
    moved = kit.T0 + 72 * H
    account.reschedule(follow_up.id, kit.T0, kit.CSM_ID, at=moved)
    definition = definition_of(follow_up) | {"label": "Follow-up, reworded"}
    account.edit_action(follow_up.id, definition, kit.T0, kit.CSM_ID, kit.POLICY)
    assert kit.action(account, "Follow-up, reworded").due_at == moved
    definition["trigger"] = {"type": "milestone_start", "delay_hours": 5}  # a new delay re-arms it
    account.edit_action(follow_up.id, definition, kit.T0, kit.CSM_ID, kit.POLICY)
    assert kit.action(account, "Follow-up, reworded").due_at == kit.T0 + 5 * H


def test_a_milestone_blocked_while_pending_starts_when_unblocked_after_its_predecessor_completed(kit):
    account = kit.account(start=True)
    first, second = kit.milestone(account, 1), kit.milestone(account, 2)
    account.block_milestone(second.id, "waiting for the contract", kit.T0, kit.CSM_ID)
    for action in first.actions:
        if action.blocker:
            account.customer_submitted(action.id, "s-1", kit.T0)
    account.complete_milestone(first.id, kit.T0 + H, kit.CSM_ID, kit.POLICY)
    assert second.state is MilestoneState.BLOCKED
    account.unblock_milestone(second.id, kit.T0 + 2 * H, kit.CSM_ID, kit.POLICY)
    assert second.state is MilestoneState.IN_PROGRESS and second.started_at == kit.T0 + 2 * H


def test_a_late_start_moves_the_milestones_ahead(kit):
    account = kit.account()
    first, second, third = (kit.milestone(account, n) for n in (1, 2, 3))
    late = kit.T0 + 10 * kit.D
    account.start_milestone(first.id, late, kit.CSM_ID, kit.POLICY)
    assert second.planned_start == first.target_date == late + timedelta(days=first.duration_days)
    assert second.target_date == second.planned_start + timedelta(days=second.duration_days)
    assert third.planned_start == second.target_date


def test_with_a_connection_slack_is_executed_not_marked_done_outside(kit):
    account = kit.account(start=True)
    slack = kit.action(account, "Tell the team")
    account.start_action(slack.id, kit.T0, kit.CSM_ID, kit.POLICY)
    kit.write_draft(account, "Tell the team")
    connected = OrgPolicy(slack_connected=True)
    kit.refused(account, lambda: account.mark_done(slack.id, kit.T0, kit.CSM_ID, connected),
                "action.complete.use_execute")
    account.mark_done(slack.id, kit.T0, kit.CSM_ID, OrgPolicy())  # not connected: done outside
    assert slack.state is ActionState.COMPLETED


@pytest.mark.parametrize("details,field", [
    ({"website": ["https://acme.test"]}, "website"), ({"company_name": "x" * 201}, "company_name"),
    ({"industry": 7}, "industry"), ({"close_date": "2026-11-20"}, "close_date"),
    ({"custom_fields": ["tier"]}, "custom_fields"), ({"ae_email": "not an address"}, "ae_email"),
    ({"arr": 10**13}, "arr")])
def test_details_from_any_caller_are_checked_by_the_domain(kit, details, field):
    """A workflows command skips the HTTP schema: a bad detail must still be InvalidInput, not a DB error."""
    with pytest.raises(InvalidInput) as caught:
        Account.create(account_id="a", org_id="o", now=kit.T0, actor=None, details={"company_name": "Acme", **details})
    assert [v.path for v in caught.value.violations] == [field]
