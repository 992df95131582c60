"""read_action_definition: a valid definition of each type passes; every broken rule is named at once."""

from __future__ import annotations

import pytest

from stitch.accounts.domain.definitions import read_action_definition
from stitch.accounts.domain.errors import InvalidInput

KNOWN = frozenset({"company_name", "contact_first_name", "csm_name", "vendor_name", "portal_link"})

VALID = {
    "SEND_EMAIL": {"subject": "Welcome, {{ company_name }}", "body": "Hi {{contact_first_name}}",
                   "to": ["primary_contact", "role:it_admin"], "cc": ["csm"], "bcc": []},
    "SLACK": {"channel": "account_channel", "message": "Kickoff for {{company_name}}"},
    "SCHEDULE_MEETING": {"title": "Kickoff", "duration_minutes": 30, "agenda": "", "attendees": ["primary_contact"],
                         "location": ""},
    "COLLECT_INFO": {"intro": "Tell us", "fields": [{"key": "a", "label": "A", "type": "text"}]},
    "REQUEST_DOCS": {"instructions": "Upload it", "documents": [{"name": "DPA"}]},
    "REQUEST_ASSETS": {"instructions": "", "assets": [{"name": "Logo"}]},
}


def problems(raw) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        read_action_definition(raw, KNOWN)
    found = [(v.path, v.rule) for v in caught.value.violations]
    assert len({path for path, _ in found}) == len(found), found  # one complaint per field here
    return dict(found)


@pytest.mark.parametrize("kind", sorted(VALID))
def test_a_valid_definition_of_each_type_passes(kind):
    portal = kind in ("COLLECT_INFO", "REQUEST_DOCS", "REQUEST_ASSETS")
    raw = {"label": "  Do it  ", "description": "note", "type": kind,
           "trigger": {"type": "milestone_start", "delay_hours": 720},
           "visibility": {"csm": {"visible": True, "label": "CSM label", "section": "S"},
                          "portal": {"visible": portal, "label": "Customer label", "blocker": portal}},
           "content": VALID[kind]}
    assert read_action_definition(raw, KNOWN) == {
        "label": "Do it", "description": "note", "type": kind,
        "trigger": {"type": "milestone_start", "delay_hours": 720},
        "visibility": {"csm": {"visible": True, "label": "CSM label", "section": "S"},
                       "portal": {"visible": portal, "label": "Customer label", "blocker": portal}},
        "content": VALID[kind]}


def test_the_defaults_are_a_manual_trigger_and_csm_only_visibility():
    assert read_action_definition({"label": "Call", "type": "SCHEDULE_MEETING", "content": {"title": "Call"}},
                                  KNOWN) == {
        "label": "Call", "description": "", "type": "SCHEDULE_MEETING", "trigger": {"type": "manual", "delay_hours": 0},
        "visibility": {"csm": {"visible": True, "label": "", "section": ""},
                       "portal": {"visible": False, "label": "", "blocker": False}},
        "content": {"title": "Call"}}


def test_an_email_without_recipients_goes_to_the_primary_contact():
    raw = {"label": "Hi", "type": "SEND_EMAIL", "content": {"subject": "s", "body": "b"}}
    assert read_action_definition(raw, KNOWN)["content"] == {"subject": "s", "body": "b"}


def test_several_broken_rules_are_reported_together_with_their_paths():
    found = problems({
        "label": "   ", "type": "SEND_EMAIL", "trigger": {"type": "milestone_start", "delay_hours": 721},
        "visibility": {"portal": {"visible": False, "blocker": True}},
        "content": {"subject": "", "body": "Hi {{x}} and {{ company_name }}", "to": []}})
    assert found == {
        "label": "is required",
        "trigger.delay_hours": "must be a whole number from 0 to 720",
        "visibility.portal.blocker": "a blocker must be visible in the portal",
        "content.subject": "is required",
        "content.body": "unknown merge field {{x}}; see docs/templates/merge-fields.md",
        "content.to": "must name at least one recipient",
    }


def test_a_form_without_fields_and_an_unknown_type_are_named():
    assert problems({"label": "Form", "type": "COLLECT_INFO", "content": {"intro": "x", "fields": []}}) == {
        "content.fields": "must list at least one item"}
    assert problems({"label": "Fax", "type": "SEND_FAX"}) == {
        "type": "must be one of SEND_EMAIL, SLACK, COLLECT_INFO, REQUEST_DOCS, REQUEST_ASSETS, SCHEDULE_MEETING"}


@pytest.mark.parametrize("kind,listed", [("REQUEST_DOCS", "documents"), ("REQUEST_ASSETS", "assets"),
                                         ("COLLECT_INFO", "fields")])
def test_a_portal_task_lists_at_least_one_item(kind, listed):
    assert problems({"label": "Task", "type": kind, "content": {listed: "not a list"}}) == {
        f"content.{listed}": "must list at least one item"}


@pytest.mark.parametrize("kind,required", [("SEND_EMAIL", ["content.body", "content.subject"]),
                                           ("SLACK", ["content.message"]), ("SCHEDULE_MEETING", ["content.title"])])
def test_a_message_needs_its_texts(kind, required):
    assert sorted(problems({"label": "M", "type": kind, "content": {}})) == required


def test_unknown_merge_fields_are_listed_once_each_in_order():
    found = problems({"label": "M", "type": "SLACK", "content": {"message": "{{zeta}} {{alpha}} {{zeta}}"}})
    assert found == {"content.message": "unknown merge field {{alpha}}, {{zeta}}; see docs/templates/merge-fields.md"}


@pytest.mark.parametrize("trigger,path,rule", [
    ({"type": "manual", "delay_hours": 4}, "trigger.delay_hours", "a manual trigger has no delay"),
    ({"type": "milestone_start", "delay_hours": -1}, "trigger.delay_hours", "must be a whole number from 0 to 720"),
    ({"type": "milestone_start", "delay_hours": 1.5}, "trigger.delay_hours", "must be a whole number from 0 to 720"),
    ({"type": "milestone_start", "delay_hours": True}, "trigger.delay_hours", "must be a whole number from 0 to 720"),
    ({"type": "on_signup"}, "trigger.type", "must be milestone_start or manual"),
    ("manual", "trigger.type", "must be milestone_start or manual"),
])
def test_trigger_rules(trigger, path, rule):
    assert problems({"label": "Call", "type": "SCHEDULE_MEETING", "trigger": trigger,
                     "content": {"title": "Call"}}) == {path: rule}


def test_texts_and_flags_are_checked():
    found = problems({
        "label": "x" * 201, "description": 5, "type": "SLACK",
        "visibility": {"csm": {"visible": "yes", "label": "a\u202eb", "section": "s" * 201},
                       "portal": {"visible": 1, "label": 3}},
        "content": {"message": "hello\x00", "channel": "account_channel"}})
    assert found == {
        "label": "must be at most 200 characters", "description": "must be a string",
        "visibility.csm.visible": "must be true or false",
        "visibility.csm.label": "must not contain control or text-direction characters",
        "visibility.csm.section": "must be at most 200 characters",
        "visibility.portal.visible": "must be true or false", "visibility.portal.label": "must be a string",
        "content.message": "must not contain control or text-direction characters"}


@pytest.mark.parametrize("content,path", [("text", "content"), ({"subject": "s", "body": "b", "cc": "csm"},
                                                                  "content.cc"),
                                          ({"subject": "s", "body": "b", "to": ["ok", ""]}, "content.to")])
def test_content_shapes(content, path):
    assert path in problems({"label": "E", "type": "SEND_EMAIL", "content": content})


def test_a_definition_must_be_an_object():
    with pytest.raises(InvalidInput) as caught:
        read_action_definition(["label"], KNOWN)
    assert [(v.path, v.rule) for v in caught.value.violations] == [("action", "must be an object")]


@pytest.mark.parametrize("kind", [["SEND_EMAIL"], {"SEND_EMAIL": 1}])
def test_a_type_that_is_not_a_string_is_named(kind):
    assert "type" in problems({"label": "E", "type": kind})


@pytest.mark.parametrize("kind,content,path", [
    ("SEND_EMAIL", {"subject": 5, "body": "b"}, "content.subject"),
    ("SLACK", {"message": ["hi"]}, "content.message"),
    ("SCHEDULE_MEETING", {"title": {"t": 1}}, "content.title"),
])
def test_a_required_text_that_is_not_a_string_is_named(kind, content, path):
    assert path in problems({"label": "M", "type": kind, "content": content})
