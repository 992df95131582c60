"""Rules added after the first review: late outside facts, archived accounts, loosely typed input."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from stitch.accounts.domain.happenings import OrgPolicy
from stitch.accounts.domain.states import AccountStatus, ActionState

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
