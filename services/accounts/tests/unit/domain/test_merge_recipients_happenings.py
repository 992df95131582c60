"""Merge fields, recipient rules, and the small value types of the history and the org's policy."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stitch.accounts.domain.contacts import Contact
from stitch.accounts.domain.happenings import KINDS, Happened, OrgPolicy, People, Person, new_id
from stitch.accounts.domain.merge import FALLBACKS, fill, unfilled
from stitch.accounts.domain.recipients import resolve

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

# -- merge.fill / merge.unfilled -------------------------------------------------------------------


def test_every_placeholder_with_a_value_is_filled():
    text, missing = fill("Hi {{contact_first_name}}, welcome {{ company_name }} to {{vendor_name}}!",
                         {"contact_first_name": "Dana", "company_name": "Acme", "vendor_name": "Vendor"})
    assert (text, missing) == ("Hi Dana, welcome Acme to Vendor!", set())


def test_a_placeholder_without_a_value_gets_its_fallback_and_is_reported():
    text, missing = fill("Hi {{contact_first_name}}, I'm {{csm_first_name}} ({{ae_name}}) {{company_name}}.",
                         {"contact_first_name": "", "company_name": "Acme"})
    assert text == "Hi there, I'm your onboarding team () Acme."
    assert missing == {"contact_first_name", "csm_first_name", "ae_name"}


@pytest.mark.parametrize("name", sorted(FALLBACKS))
def test_each_fallback(name):
    assert fill("{{%s}}" % name, {}) == (FALLBACKS[name], {name})


def test_spaces_inside_braces_and_repeats():
    text, missing = fill("{{  company_name\t}} / {{company_name}} / {{ nothing }}", {"company_name": "Acme"})
    assert (text, missing) == ("Acme / Acme / ", {"nothing"})


def test_text_without_placeholders_is_unchanged():
    assert fill("Just { braces } and {{not closed", {"x": "y"}) == ("Just { braces } and {{not closed", set())


def test_unfilled_lists_the_placeholders_left_once_each_sorted():
    assert unfilled("{{ b }} {{a}} {{b}} and {single}") == ["a", "b"]
    assert unfilled("nothing left") == []


# -- recipients.resolve ----------------------------------------------------------------------------

CONTACTS = [
    Contact(id="c1", name="Dana Scully", email="dana@acme.example", role="executive_sponsor", is_primary=True),
    Contact(id="c2", name="Fox Mulder", email="fox@acme.example", role="it_admin"),
    Contact(id="c3", name="John Doggett", email="john@acme.example", role="it_admin"),
]
CSM = Person("Walter Skinner", "walter@vendor.example")
AE = Person("Alex Krycek", "alex@vendor.example")
PEOPLE = People(csm=CSM, ae=AE, collaborators=(Person("Monica Reyes", "monica@vendor.example"),
                                               Person("Jeffrey Spender", "jeffrey@vendor.example")))


def emails(rules, contacts=CONTACTS, people=PEOPLE):
    return [p.email for p in resolve(rules, contacts, people)]


@pytest.mark.parametrize("rule,expected", [
    ("primary_contact", ["dana@acme.example"]),
    ("all_contacts", ["dana@acme.example", "fox@acme.example", "john@acme.example"]),
    ("role:it_admin", ["fox@acme.example", "john@acme.example"]),
    ("role: IT_Admin ", ["fox@acme.example", "john@acme.example"]),
    ("role:billing", []),
    ("csm", ["walter@vendor.example"]),
    ("ae", ["alex@vendor.example"]),
    ("collaborators", ["monica@vendor.example", "jeffrey@vendor.example"]),
    ("legal@acme.example", ["legal@acme.example"]),
    ("  primary_contact  ", ["dana@acme.example"]),
    ("everyone", []),
    ("role", []),
    ("not an address", []),
])
def test_each_rule(rule, expected):
    assert emails([rule]) == expected


def test_a_resolved_person_carries_the_contact_name_and_an_address_has_none():
    assert resolve(["primary_contact", "legal@acme.example"], CONTACTS, PEOPLE) == [
        Person("Dana Scully", "dana@acme.example"), Person("", "legal@acme.example")]


def test_people_are_named_once_in_rule_order_whatever_the_case_of_their_address():
    assert emails(["role:it_admin", "all_contacts", "FOX@ACME.EXAMPLE", "csm", "Walter@Vendor.Example"]) == [
        "fox@acme.example", "john@acme.example", "dana@acme.example", "walter@vendor.example"]
    found = resolve(["legal@acme.example", "LEGAL@acme.example"], [], People())
    assert found == [Person("", "legal@acme.example")]  # the first spelling wins


def test_rules_for_people_the_account_does_not_have_reach_nobody():
    assert emails(["primary_contact", "all_contacts", "csm", "ae", "collaborators"], [], People()) == []
    assert emails([]) == []


# -- happenings ------------------------------------------------------------------------------------

def test_a_happening_of_a_known_kind():
    happened = Happened("action_skipped", T0, "staff-1", "m-1", "a-1", {"reason": "x"})
    assert (happened.kind, happened.at, happened.actor, happened.milestone_id, happened.action_id) == (
        "action_skipped", T0, "staff-1", "m-1", "a-1")
    assert happened.id and happened.id != Happened("action_skipped", T0, None).id
    assert Happened("archived", T0, None).detail == {}


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown happening 'action_exploded'"):
        Happened("action_exploded", T0, None)


def test_every_kind_the_engine_records_is_known():
    assert {"account_created", "template_applied", "milestone_started", "milestone_completed", "draft_requested",
            "draft_written", "action_ready", "action_approved", "delivery_requested", "action_executed",
            "delivery_failed", "action_completed", "action_skipped", "customer_submitted"} <= KINDS


def test_new_ids_are_unique():
    assert len({new_id() for _ in range(100)}) == 100


@pytest.mark.parametrize("policy,deliverable", [
    (OrgPolicy(), {"SEND_EMAIL", "COLLECT_INFO", "REQUEST_DOCS", "REQUEST_ASSETS"}),
    (OrgPolicy(slack_connected=True), {"SEND_EMAIL", "COLLECT_INFO", "REQUEST_DOCS", "REQUEST_ASSETS", "SLACK"}),
    (OrgPolicy(calendar_connected=True),
     {"SEND_EMAIL", "COLLECT_INFO", "REQUEST_DOCS", "REQUEST_ASSETS", "SCHEDULE_MEETING"}),
    (OrgPolicy(slack_connected=True, calendar_connected=True),
     {"SEND_EMAIL", "COLLECT_INFO", "REQUEST_DOCS", "REQUEST_ASSETS", "SLACK", "SCHEDULE_MEETING"}),
])
def test_what_an_org_can_deliver(policy, deliverable):
    kinds = ("SEND_EMAIL", "SLACK", "COLLECT_INFO", "REQUEST_DOCS", "REQUEST_ASSETS", "SCHEDULE_MEETING")
    assert {kind for kind in kinds if policy.can_deliver(kind)} == deliverable


def test_the_default_policy_reviews_nothing_and_sends_nothing_by_itself():
    policy = OrgPolicy()
    assert (policy.review_portal_tasks, policy.auto_send, policy.slack_connected, policy.calendar_connected) == (
        False, frozenset(), False, False)
