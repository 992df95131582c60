"""The account aggregate: creating, describing, archiving, applying a template, and its contacts."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from decimal import Decimal

import pytest

from stitch.accounts.domain.account import Account
from stitch.accounts.domain.contacts import Contact
from stitch.accounts.domain.errors import InvalidInput, NotFound
from stitch.accounts.domain.plan import RevisionSnapshot
from stitch.accounts.domain.states import AccountStatus, ActionState, MilestoneState

H = timedelta(hours=1)


def create(kit, **details):
    return Account.create(account_id="acc-9", org_id="org-1", details={"company_name": "Acme Corp", **details},
                          now=kit.T0, actor=kit.CSM_ID)


# -- creating and describing -----------------------------------------------------------------------

def test_creating_an_account_records_it(kit):
    account = Account.create(account_id="acc-9", org_id="org-1", now=kit.T0, actor=kit.CSM_ID,
                             status=AccountStatus.PENDING_HANDOFF, duplicate_of="acc-1",
                             details={"company_name": "Acme Corp", "arr": Decimal("50000"), "website": "acme.example",
                                      "close_date": date(2026, 11, 1), "crm_source": "hubspot", "external_id": "d-7",
                                      "ae_email": "alex@vendor.example", "not_a_field": "ignored"})
    assert (account.id, account.org_id, account.company_name, account.arr, account.website) == (
        "acc-9", "org-1", "Acme Corp", Decimal("50000"), "acme.example")
    assert (account.crm_source, account.external_id, account.close_date) == ("hubspot", "d-7", date(2026, 11, 1))
    assert account.status is AccountStatus.PENDING_HANDOFF and account.duplicate_of == "acc-1"
    assert account.created_at == account.updated_at == kit.T0 and not account.archived and account.milestones == []
    assert not hasattr(account, "not_a_field")
    [created] = account.changes
    assert (created.kind, created.actor, created.at, created.detail) == (
        "account_created", kit.CSM_ID, kit.T0, {"status": "pending_handoff", "duplicate_of": "acc-1"})


def test_creating_names_every_bad_detail(kit):
    with pytest.raises(InvalidInput) as caught:
        Account.create(account_id="a", org_id="o", now=kit.T0, actor=None,
                       details={"company_name": "   ", "arr": -1, "crm_source": "hubspot"})
    assert {v.path: v.rule for v in caught.value.violations} == {
        "company_name": "is required", "arr": "must be a number of at least 0",
        "external_id": "crm_source and external_id go together"}


@pytest.mark.parametrize("details", [{}, {"company_name": None}, {"company_name": 7}])
def test_a_company_name_is_required(kit, details):
    with pytest.raises(InvalidInput) as caught:
        Account.create(account_id="a", org_id="o", now=kit.T0, actor=None, details=details)
    assert [v.path for v in caught.value.violations] == ["company_name"]


@pytest.mark.parametrize("arr", [-1, Decimal("-0.01"), True, 12.5, "100"])
def test_arr_is_a_whole_or_decimal_number_of_at_least_zero(kit, arr):
    with pytest.raises(InvalidInput) as caught:
        create(kit, arr=arr)
    assert [v.path for v in caught.value.violations] == ["arr"]


@pytest.mark.parametrize("arr", [0, Decimal("0"), 1_000_000, Decimal("99.95"), None])
def test_arr_accepts_zero_and_more(kit, arr):
    assert create(kit, arr=arr).arr == arr


@pytest.mark.parametrize("arr", [Decimal("NaN"), Decimal("Infinity")])
def test_arr_must_be_a_finite_number(kit, arr):
    with pytest.raises(InvalidInput) as caught:
        create(kit, arr=arr)
    assert [v.path for v in caught.value.violations] == ["arr"]


def test_changing_details_records_the_fields_that_changed(kit):
    account = kit.account()
    changed = account.change_details({"industry": "Fintech", "arr": Decimal("120000"), "notes": "VIP",
                                      "status": "churned"}, kit.T0 + H, kit.CSM_ID)
    assert changed == ["industry", "notes"]  # arr is unchanged; status is not a detail
    assert (account.industry, account.notes, account.status) == ("Fintech", "VIP", AccountStatus.ACTIVE)
    [recorded] = account.changes
    assert (recorded.kind, recorded.actor, recorded.detail) == ("details_changed", kit.CSM_ID,
                                                                {"fields": ["industry", "notes"]})
    assert account.updated_at == kit.T0 + H


def test_changing_nothing_records_nothing(kit):
    account = kit.account()
    before = kit.snapshot(account)
    assert account.change_details({"company_name": "Acme Corp", "industry": "SaaS"}, kit.T0 + H, kit.CSM_ID) == []
    assert kit.snapshot(account) == before


def test_changing_details_names_every_bad_field_and_changes_nothing(kit):
    account = kit.account()
    found = kit.invalid(account, lambda: account.change_details(
        {"company_name": " ", "arr": Decimal("-5"), "industry": "Fintech"}, kit.T0, kit.CSM_ID))
    assert found == {"company_name": "is required", "arr": "must be a number of at least 0"}


def test_a_crm_link_keeps_both_halves(kit):
    account = create(kit, crm_source="hubspot", external_id="d-7")
    found = kit.invalid(account, lambda: account.change_details({"external_id": None}, kit.T0, kit.CSM_ID))
    assert found == {"external_id": "crm_source and external_id go together"}


@pytest.mark.parametrize("status", [AccountStatus.AT_RISK, AccountStatus.CHURNED])
def test_a_person_sets_at_risk_or_churned(kit, status):
    account = kit.account()
    account.set_status(status, kit.T0, kit.CSM_ID)
    assert account.status is status
    [recorded] = account.changes
    assert (recorded.kind, recorded.actor, recorded.detail) == (
        "status_changed", kit.CSM_ID, {"from": "active", "to": status.value})
    account.set_status(AccountStatus.ACTIVE, kit.T0, kit.CSM_ID)
    assert account.status is AccountStatus.ACTIVE and len(account.changes) == 2


def test_setting_the_same_status_records_nothing(kit):
    account = kit.account()
    before = kit.snapshot(account)
    account.set_status(AccountStatus.ACTIVE, kit.T0, kit.CSM_ID)
    assert kit.snapshot(account) == before


@pytest.mark.parametrize("status", [AccountStatus.COMPLETED, AccountStatus.PENDING_HANDOFF])
def test_completed_and_pending_handoff_are_not_set_by_hand(kit, status):
    account = kit.account()
    refusal = kit.refused(account, lambda: account.set_status(status, kit.T0, kit.CSM_ID),
                          "account.status.not_settable")
    assert refusal.details == {"settable": ["active", "at_risk", "churned"]}


def test_assigning_a_csm_records_the_previous_one(kit):
    account = kit.account()
    assert account.assign_csm("staff-1", kit.T0, kit.CSM_ID) is True
    assert account.assign_csm("staff-2", kit.T0 + H, None) is True
    assert account.primary_csm_id == "staff-2"
    assert [(h.kind, h.actor, h.detail) for h in account.changes] == [
        ("csm_assigned", kit.CSM_ID, {"csm_id": "staff-1", "previous_csm_id": None}),
        ("csm_assigned", None, {"csm_id": "staff-2", "previous_csm_id": "staff-1"})]
    before = kit.snapshot(account)
    assert account.assign_csm("staff-2", kit.T0 + 2 * H, kit.CSM_ID) is False
    assert kit.snapshot(account) == before


# -- archiving -------------------------------------------------------------------------------------

def test_archive_and_unarchive(kit):
    account = kit.account()
    account.archive("  customer paused  ", kit.T0, kit.CSM_ID)
    assert account.archived and account.archived_reason == "customer paused"
    account.unarchive(" back on track ", kit.T0 + H, kit.CSM_ID)
    assert not account.archived and account.archived_reason == ""
    assert [(h.kind, h.actor, h.detail) for h in account.changes] == [
        ("archived", kit.CSM_ID, {"reason": "customer paused"}),
        ("unarchived", kit.CSM_ID, {"reason": "back on track"})]


def test_an_archived_account_cannot_be_archived_again(kit):
    account = kit.account()
    account.archive("paused", kit.T0, kit.CSM_ID)
    kit.refused(account, lambda: account.archive("again", kit.T0, kit.CSM_ID), "account.archive.already_archived")


def test_an_account_that_is_not_archived_cannot_be_unarchived(kit):
    account = kit.account()
    kit.refused(account, lambda: account.unarchive("why", kit.T0, kit.CSM_ID), "account.unarchive.not_archived")


def busy_account(kit):
    """Something every person command can act on: drafts ready, a blocked milestone, pending actions."""
    account = kit.account(start=True)
    account.customer_submitted(kit.action(account, "Setup questionnaire").id, "submission-1", kit.T0)
    kit.write_draft(account, "Welcome email")
    account.start_action(kit.action(account, "Tell the team").id, kit.T0, kit.CSM_ID, kit.POLICY)
    kit.write_draft(account, "Tell the team")
    account.block_milestone(kit.milestone(account, 3).id, "waiting for IT", kit.T0, kit.CSM_ID)
    account.changes.clear()
    return account


NEW_EMAIL = {"label": "Extra", "type": "SEND_EMAIL", "trigger": {"type": "manual"},
             "content": {"subject": "Hi", "body": "Hello", "to": ["primary_contact"]}}

PERSON_COMMANDS = {
    "change_details": lambda a, k: a.change_details({"industry": "Fintech"}, k.T0, k.CSM_ID),
    "set_status": lambda a, k: a.set_status(AccountStatus.AT_RISK, k.T0, k.CSM_ID),
    "assign_csm": lambda a, k: a.assign_csm("staff-2", k.T0, k.CSM_ID),
    "apply_template": lambda a, k: a.apply_template(k.REVISION, k.T0, k.CSM_ID, confirm_reset=True),
    "add_contact": lambda a, k: a.add_contact("c-3", {"name": "Jo", "email": "jo@acme.example"}, k.T0, k.CSM_ID),
    "change_contact": lambda a, k: a.change_contact("contact-fox", {"title": "CTO"}, k.T0, k.CSM_ID),
    "start_milestone": lambda a, k: a.start_milestone(k.milestone(a, 2).id, k.T0, k.CSM_ID, k.POLICY),
    "complete_milestone": lambda a, k: a.complete_milestone(k.milestone(a, 1).id, k.T0, k.CSM_ID, k.POLICY),
    "block_milestone": lambda a, k: a.block_milestone(k.milestone(a, 1).id, "on hold", k.T0, k.CSM_ID),
    "unblock_milestone": lambda a, k: a.unblock_milestone(k.milestone(a, 3).id, k.T0, k.CSM_ID),
    "start_action": lambda a, k: a.start_action(k.action(a, "Kickoff call").id, k.T0, k.CSM_ID, k.POLICY),
    "edit_draft": lambda a, k: a.edit_draft(k.action(a, "Welcome email").id, {"subject": "Hi"}, k.T0, k.CSM_ID),
    "request_new_draft": lambda a, k: a.request_new_draft(k.action(a, "Welcome email").id, k.T0, k.CSM_ID),
    "execute": lambda a, k: a.execute(k.action(a, "Welcome email").id, k.T0, k.CSM_ID, k.POLICY, k.PEOPLE),
    "mark_done": lambda a, k: a.mark_done(k.action(a, "Tell the team").id, k.T0, k.CSM_ID),
    "skip": lambda a, k: a.skip(k.action(a, "Follow-up email").id, k.T0, k.CSM_ID),
    "reschedule": lambda a, k: a.reschedule(k.action(a, "Follow-up email").id, k.T0, k.CSM_ID, delay_hours=48),
    "add_action": lambda a, k: a.add_action(k.milestone(a, 1).id, NEW_EMAIL, "new-1", k.T0, k.CSM_ID, k.POLICY),
    "edit_action": lambda a, k: a.edit_action(k.action(a, "Follow-up email").id, NEW_EMAIL, k.T0, k.CSM_ID,
                                              k.POLICY),
    "remove_action": lambda a, k: a.remove_action(k.action(a, "Kickoff call").id, k.T0, k.CSM_ID),
}


@pytest.mark.parametrize("name", sorted(PERSON_COMMANDS))
def test_an_archived_account_refuses_every_person_command(kit, name):
    command = PERSON_COMMANDS[name]
    account = busy_account(kit)
    unarchived = copy.deepcopy(account)
    command(unarchived, kit)  # the command is fine on the same account when it is not archived
    assert unarchived.changes
    account.archive("customer paused", kit.T0, kit.CSM_ID)
    refusal = kit.refused(account, lambda: command(account, kit), "account.archived")
    assert "unarchive" in refusal.message


def test_a_portal_preview_is_recorded_even_on_an_archived_account(kit):
    account = kit.account()
    account.archive("paused", kit.T0, kit.CSM_ID)
    account.viewed_as_customer(kit.T0 + H, kit.CSM_ID)
    viewed = account.changes[-1]
    assert (viewed.kind, viewed.actor, viewed.at, viewed.detail) == ("viewed_as_customer", kit.CSM_ID, kit.T0 + H, {})
    assert account.updated_at == kit.T0 + H


# -- applying a template ---------------------------------------------------------------------------

def test_applying_a_template_copies_its_plan(kit):
    account = kit.account(apply=False)
    assert account.apply_template(kit.REVISION, kit.T0 + H, kit.CSM_ID) is False
    assert (account.template_id, account.revision_id, account.revision_number, account.applied_at) == (
        kit.REVISION.template_id, kit.REVISION.revision_id, 1, kit.T0 + H)
    assert [m.name for m in account.milestones] == ["Welcome & kickoff", "Setup", "Go-live"]
    assert [len(m.actions) for m in account.milestones] == [5, 3, 2]
    [applied] = account.changes
    assert (applied.kind, applied.actor, applied.at) == ("template_applied", kit.CSM_ID, kit.T0 + H)
    assert applied.detail == {"template_id": kit.REVISION.template_id, "revision_id": kit.REVISION.revision_id,
                              "revision": 1, "template_name": "Standard onboarding", "reapplied": False,
                              "sent_before_reset": 0}


def test_reapplying_needs_a_confirmation(kit):
    account = kit.account(start=True)
    refusal = kit.refused(account, lambda: account.apply_template(kit.REVISION, kit.T0, kit.CSM_ID),
                          "account.reapply.needs_confirmation")
    assert refusal.details == {"revision": 1} and "confirm_reset" in refusal.message


def test_a_revision_without_milestones_cannot_be_applied(kit):
    account = kit.account(apply=False)
    empty = RevisionSnapshot("t", "r", 1, "Empty", ())
    assert kit.invalid(account, lambda: account.apply_template(empty, kit.T0, kit.CSM_ID)) == {
        "revision_id": "the revision has no milestones"}


def test_reapplying_with_confirmation_resets_the_plan_and_counts_what_was_sent(kit):
    account = kit.account(start=True)
    welcome = kit.write_draft(account, "Welcome email")
    account.execute(welcome.id, kit.T0, kit.CSM_ID, kit.POLICY, kit.PEOPLE)  # executing
    old_request = welcome.delivery_request
    old_ids = {m.id for m in account.milestones} | {a.id for a in account.actions()}
    account.changes.clear()
    second = RevisionSnapshot(kit.REVISION.template_id, "a7b8c9d0-0000-4000-8000-000000000002", 2,
                              "Standard onboarding v2", kit.REVISION.milestones)
    now = kit.T0 + 2 * kit.D
    assert account.apply_template(second, now, kit.CSM_ID, confirm_reset=True) is True
    new_ids = {m.id for m in account.milestones} | {a.id for a in account.actions()}
    assert len(new_ids) == 13 and not new_ids & old_ids
    assert (account.revision_id, account.revision_number, account.applied_at) == (second.revision_id, 2, now)
    assert all(m.state is MilestoneState.PENDING and m.planned_start is not None for m in account.milestones)
    assert all(a.state is ActionState.PENDING and a.due_at is None for a in account.actions())
    assert kit.milestone(account, 1).planned_start == now
    [applied] = account.changes
    assert (applied.kind, applied.actor) == ("template_applied", kit.CSM_ID)
    assert applied.detail == {"template_id": second.template_id, "revision_id": second.revision_id, "revision": 2,
                              "template_name": "Standard onboarding v2", "reapplied": True,
                              "sent_before_reset": 2}  # the executing welcome and the published questionnaire
    before = kit.snapshot(account)
    assert account.delivery_succeeded(old_request, now) is False
    assert account.delivery_failed(old_request, "x", "y", now) is False
    assert kit.snapshot(account) == before


def test_a_late_result_for_an_action_the_reset_plan_no_longer_has_is_ignored(kit):
    # Outside facts arrive late: like delivery results, they answer False and change nothing.
    account = kit.account(start=True)
    welcome, questionnaire = kit.action(account, "Welcome email"), kit.action(account, "Setup questionnaire")
    action_id, request = welcome.id, welcome.draft_request
    account.apply_template(kit.REVISION, kit.T0 + H, kit.CSM_ID, confirm_reset=True)
    before = kit.snapshot(account)
    assert account.attach_draft(action_id, request, kit.DRAFTS[welcome.type], (), "ai", kit.T0 + 2 * H,
                                kit.POLICY, kit.PEOPLE) is False
    assert account.customer_submitted(questionnaire.id, "submission-1", kit.T0 + 2 * H) is False
    assert account.fire_due(action_id, kit.T0 + 2 * H, kit.POLICY) is False
    assert kit.snapshot(account) == before


# -- contacts --------------------------------------------------------------------------------------

def test_the_first_contact_becomes_primary(kit):
    account = kit.account(contacts=False)
    contact = account.add_contact("c-1", {"name": "  Dana Scully ", "email": " dana@acme.example ",
                                          "title": " COO ", "role": " Executive_Sponsor "}, kit.T0, kit.CSM_ID)
    assert contact == Contact(id="c-1", name="Dana Scully", email="dana@acme.example", title="COO",
                              role="executive_sponsor", is_primary=True, created_at=kit.T0)
    assert account.primary_contact is contact
    [added] = account.changes
    assert (added.kind, added.actor, added.detail) == ("contact_added", kit.CSM_ID,
                                                       {"contact_id": "c-1", "primary": True})


def test_a_later_contact_is_primary_only_when_asked(kit):
    account = kit.account()
    jo = account.add_contact("c-3", {"name": "Jo", "email": "jo@acme.example"}, kit.T0, kit.CSM_ID)
    assert not jo.is_primary and account.primary_contact.id == "contact-dana"
    kim = account.add_contact("c-4", {"name": "Kim", "email": "kim@acme.example", "is_primary": True}, kit.T0, None)
    assert account.primary_contact is kim and [c.id for c in account.contacts if c.is_primary] == ["c-4"]
    assert [h.detail["primary"] for h in account.changes] == [False, True]


@pytest.mark.parametrize("email", ["dana@acme.example", " DANA@Acme.Example "])
def test_an_email_is_used_by_one_contact_only(kit, email):
    account = kit.account()
    refusal = kit.refused(account, lambda: account.add_contact("c-3", {"name": "Other", "email": email}, kit.T0,
                                                               kit.CSM_ID), "contact.email_taken")
    assert refusal.details == {"contact_id": "contact-dana"}
    refusal = kit.refused(account, lambda: account.change_contact("contact-fox", {"email": email}, kit.T0,
                                                                  kit.CSM_ID), "contact.email_taken")
    assert refusal.details == {"contact_id": "contact-dana"}


def test_a_contact_may_change_the_case_of_its_own_email(kit):
    account = kit.account()
    assert account.change_contact("contact-dana", {"email": "Dana@Acme.example"}, kit.T0, kit.CSM_ID) == ["email"]


def test_the_primary_flag_moves_but_is_never_just_unset(kit):
    account = kit.account()
    kit.refused(account, lambda: account.change_contact("contact-dana", {"is_primary": False}, kit.T0, kit.CSM_ID),
                "contact.primary.required")
    assert account.change_contact("contact-fox", {"is_primary": False}, kit.T0, kit.CSM_ID) == []
    assert account.change_contact("contact-fox", {"is_primary": True, "title": "CTO"}, kit.T0, kit.CSM_ID) == [
        "title", "is_primary"]
    assert account.primary_contact.id == "contact-fox" and not account.contact("contact-dana").is_primary
    [changed] = account.changes
    assert (changed.kind, changed.actor, changed.detail) == (
        "contact_changed", kit.CSM_ID, {"contact_id": "contact-fox", "fields": ["title", "is_primary"]})


def test_changing_a_contact_to_what_it_is_records_nothing(kit):
    account = kit.account()
    before = kit.snapshot(account)
    assert account.change_contact("contact-dana", {"name": " Dana Scully ", "role": "EXECUTIVE_SPONSOR",
                                                   "is_primary": True}, kit.T0, kit.CSM_ID) == []
    assert kit.snapshot(account) == before


@pytest.mark.parametrize("fields,found", [
    ({"name": "Jo", "email": "not-an-email"}, {"email": "must be an email address"}),
    ({"name": "Jo", "email": "jo@localhost"}, {"email": "must be an email address"}),
    ({"email": "jo@acme.example"}, {"name": "is required"}),
    ({"name": " ", "email": " "}, {"name": "is required", "email": "is required"}),
    ({"name": "Jo", "email": 5}, {"email": "must be a string"}),
    ({"name": "x" * 201, "email": "jo@acme.example", "title": "y" * 101},
     {"name": "must be at most 200 characters", "title": "must be at most 100 characters"}),
    ({"name": "Jo", "email": "jo@acme.example", "role": "it/admin", "is_primary": "yes"},
     {"role": "lower-case letters, digits, spaces, _ or - only", "is_primary": "must be true or false"}),
])
def test_a_new_contact_names_every_bad_field(kit, fields, found):
    account = kit.account()
    assert kit.invalid(account, lambda: account.add_contact("c-3", fields, kit.T0, kit.CSM_ID)) == found


def test_a_contact_change_names_every_bad_field(kit):
    account = kit.account()
    assert kit.invalid(account, lambda: account.change_contact(
        "contact-fox", {"email": "fox at acme", "name": ""}, kit.T0, kit.CSM_ID)) == {
        "email": "must be an email address", "name": "is required"}


def test_an_unknown_contact_is_not_found(kit):
    account = kit.account()
    with pytest.raises(NotFound):
        account.change_contact("nobody", {"title": "x"}, kit.T0, kit.CSM_ID)


@pytest.mark.parametrize("name,first,last", [("Dana Katherine Scully", "Dana", "Katherine Scully"),
                                             ("Cher", "Cher", ""), ("", "", "")])
def test_first_and_last_names(name, first, last):
    contact = Contact(id="c", name=name, email="c@x.example")
    assert (contact.first_name, contact.last_name) == (first, last)
