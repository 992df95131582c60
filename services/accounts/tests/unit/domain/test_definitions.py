"""read_action_definition: a valid definition of each type passes; every broken rule is named at once;
a portal task's lists come out in exactly the shape the portal's events promise."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from stitch.accounts.domain.definitions import read_action_definition
from stitch.accounts.domain.definitions_tasks import ASSET_FORMATS, DOCUMENT_FORMATS, FORMAT_LIMITS_MB
from stitch.accounts.domain.errors import InvalidInput

ROOT = Path(__file__).resolve().parents[5]

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


ALL_DOCUMENT_FORMATS = ["pdf", "doc", "docx", "xls", "xlsx", "txt", "csv", "png", "jpg", "jpeg", "svg", "gif",
                        "zip", "ppt", "pptx", "xml", "json", "pem", "cer", "crt"]
ALL_ASSET_FORMATS = ["png", "svg", "jpg", "jpeg", "gif", "pdf", "zip"]
# VALID's portal tasks as read: every default written out, as templates writes a revision's.
NORMALIZED = {
    "COLLECT_INFO": {"intro": "Tell us", "fields": [{"key": "a", "label": "A", "type": "text", "required": False,
                                                      "help_text": "", "placeholder": ""}]},
    "REQUEST_DOCS": {"instructions": "Upload it", "documents": [{
        "name": "DPA", "description": "", "formats": ALL_DOCUMENT_FORMATS, "required": True, "max_files": 1,
        "max_size_mb": 100}]},
    "REQUEST_ASSETS": {"instructions": "", "assets": [{
        "name": "Logo", "description": "", "formats": ALL_ASSET_FORMATS, "required": True, "max_files": 1,
        "max_size_mb": 100, "dimensions": ""}]},
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
        "content": NORMALIZED.get(kind, VALID[kind])}


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


# -- the lists of a portal task --------------------------------------------------------------
def task_content(kind: str, content: dict) -> dict:
    return read_action_definition({"label": "Task", "type": kind, "content": content}, KNOWN)["content"]


EVERY_FIELD_TYPE = [
    {"label": "Company name", "type": "text"},
    {"label": "Company name?", "type": "textarea", "placeholder": "  as on the invoice ", "required": True},
    {"label": "Plan", "type": "dropdown", "options": [" Basic ", "Pro"], "help_text": "see your order"},
    {"label": "Modules", "type": "multiple_choice", "options": ["SSO"], "allow_multiple": False},
    {"label": "1st login done", "type": "checkbox", "key": None, "placeholder": ""},
    {"label": "Go-live", "type": "date", "key": "go_live", "help_text": None},
    {"label": "Certificates", "type": "file", "formats": [".PEM", "Crt"], "max_files": 3},
]


def test_every_form_field_type_is_written_out_with_its_defaults():
    assert task_content("COLLECT_INFO", {"fields": EVERY_FIELD_TYPE}) == {"intro": "", "fields": [
        {"key": "company_name", "label": "Company name", "type": "text", "required": False, "help_text": "",
         "placeholder": ""},
        {"key": "company_name_2", "label": "Company name?", "type": "textarea", "required": True, "help_text": "",
         "placeholder": "as on the invoice"},
        {"key": "plan", "label": "Plan", "type": "dropdown", "required": False, "help_text": "see your order",
         "options": ["Basic", "Pro"]},
        {"key": "modules", "label": "Modules", "type": "multiple_choice", "required": False, "help_text": "",
         "options": ["SSO"], "allow_multiple": False},
        {"key": "field_1st_login_done", "label": "1st login done", "type": "checkbox", "required": False,
         "help_text": ""},
        {"key": "go_live", "label": "Go-live", "type": "date", "required": False, "help_text": ""},
        {"key": "certificates", "label": "Certificates", "type": "file", "required": False, "help_text": "",
         "formats": ["pem", "crt"], "max_files": 3},
    ]}


def test_uploads_take_their_ceiling_from_their_formats_and_keep_what_was_given():
    documents = task_content("REQUEST_DOCS", {"instructions": " Sign it \n", "documents": [
        {"name": "  Signed\n DPA ", "description": " Both pages.\nSigned. ", "formats": ["DOCX", ".pdf"]},
        {"name": "Cert", "formats": ["pem"], "required": False, "max_files": 2, "max_size_mb": 1}]})
    assert documents == {"instructions": "Sign it", "documents": [
        {"name": "Signed DPA", "description": "Both pages.\nSigned.", "formats": ["docx", "pdf"], "required": True,
         "max_files": 1, "max_size_mb": 50},
        {"name": "Cert", "description": "", "formats": ["pem"], "required": False, "max_files": 2, "max_size_mb": 1}]}
    assets = task_content("REQUEST_ASSETS", {"assets": [{"name": "Logo", "formats": ["svg"], "dimensions": "512x512"}]})
    assert assets["assets"] == [{"name": "Logo", "description": "", "formats": ["svg"], "required": True,
                                 "max_files": 1, "max_size_mb": 5, "dimensions": "512x512"}]


@pytest.mark.parametrize("kind,content", [
    ("COLLECT_INFO", {"fields": EVERY_FIELD_TYPE}),
    ("REQUEST_DOCS", {"documents": [{"name": "DPA"}, {"name": "W-9", "formats": ["pdf"], "max_size_mb": 5}]}),
    ("REQUEST_ASSETS", {"assets": [{"name": "Logo", "dimensions": "64x64"}]}),
])
def test_reading_what_was_read_changes_nothing(kind, content):
    """An edit re-reads the stored definition with the change merged in: it must come back the same."""
    once = task_content(kind, content)
    assert task_content(kind, once) == once


@pytest.mark.parametrize("kind,content,expected", [
    ("REQUEST_DOCS", {"instructions": "a", "documents": [{"x": 1}, 5, None]}, {
        "content.documents.0.name": "is required", "content.documents.0.x": "is not a known field",
        "content.documents.1": "must be an object", "content.documents.2": "must be an object"}),
    ("REQUEST_DOCS", {"documents": [{"name": "ok"}, {"name": "n" * 201, "description": 7, "required": "yes",
                                                     "max_files": 21, "max_size_mb": 0, "formats": "pdf"}]}, {
        "content.documents.1.name": "must be at most 200 characters",
        "content.documents.1.description": "must be a string",
        "content.documents.1.required": "must be true or false",
        "content.documents.1.max_files": "must be a whole number from 1 to 20",
        "content.documents.1.max_size_mb": "must be a whole number from 1 to 100",
        "content.documents.1.formats": "must be a list of strings"}),
    ("REQUEST_DOCS", {"documents": [{"name": "Cert", "formats": ["pem", "exe", ".PEM", ""], "max_size_mb": 2}]}, {
        "content.documents.0.formats.1": "must be one of " + ", ".join(ALL_DOCUMENT_FORMATS),
        "content.documents.0.formats.2": "repeats 'pem'",
        "content.documents.0.formats.3": "must be a non-blank string without control characters",
        "content.documents.0.max_size_mb": "must be a whole number from 1 to 1"}),
    ("REQUEST_DOCS", {"documents": [{"name": "a\u202eb", "formats": [], "dimensions": "1x1"}]}, {
        "content.documents.0.name": "must not contain control or text-direction characters",
        "content.documents.0.formats": "needs at least one accepted format",
        "content.documents.0.dimensions": "is not a known field"}),
    ("REQUEST_ASSETS", {"instructions": ["x"], "assets": [{"name": "Deck", "formats": ["pptx"], "dimensions": "big"}]}, {
        "content.instructions": "must be a string",
        "content.assets.0.formats.0": "must be one of " + ", ".join(ALL_ASSET_FORMATS),
        "content.assets.0.dimensions": "must look like 512x512 (width x height in pixels)"}),
    ("REQUEST_ASSETS", {"assets": [{"name": "Logo"}] * 51}, {"content.assets": "must have at most 50 items"}),
    ("COLLECT_INFO", {"intro": "i" * 2001, "fields": [{"label": "", "type": "radio", "key": "Bad Key"}, "field"]}, {
        "content.intro": "must be at most 2000 characters",
        "content.fields.0.label": "is required",
        "content.fields.0.type": "must be one of text, textarea, dropdown, multiple_choice, checkbox, date, file",
        "content.fields.0.key": "must be a lower-case letter, then up to 63 lower-case letters, digits or _",
        "content.fields.1": "must be an object"}),
    ("COLLECT_INFO", {"fields": [{"label": "A", "type": "dropdown"}, {"label": "B", "type": "multiple_choice",
                                                                       "options": ["x", "X", " "]},
                                 {"label": "C", "type": "date", "options": ["x"], "placeholder": "p"}]}, {
        "content.fields.0.options": "a dropdown field needs at least one option",
        "content.fields.1.options.1": "repeats 'X'",
        "content.fields.1.options.2": "must be a non-blank string without control characters",
        "content.fields.2.options": "only dropdown and multiple_choice fields have options",
        "content.fields.2.placeholder": "only text and textarea fields have placeholder"}),
    ("COLLECT_INFO", {"fields": [{"label": "A", "type": "text", "key": "name"},
                                 {"label": "B", "type": "checkbox", "key": "name", "required": 1},
                                 {"label": "C", "type": "file", "max_files": 1.5, "allow_multiple": True}]}, {
        "content.fields.1.key": "repeats 'name'; each field needs its own key",
        "content.fields.1.required": "must be true or false",
        "content.fields.2.max_files": "must be a whole number from 1 to 20",
        "content.fields.2.allow_multiple": "only multiple_choice fields have allow_multiple"}),
])
def test_every_junk_item_is_named_by_its_path(kind, content, expected):
    assert problems({"label": "Task", "type": kind, "content": content}) == expected


def event_defs() -> dict:
    return json.loads((ROOT / "docs" / "events" / "accounts.action_executed.v1.json").read_text())["$defs"]


# Per type: the task's text, its list and the $def of accounts.action_executed.v1 it must match.
TASKS = {"COLLECT_INFO": ("intro", "fields", "collect_info_task"),
         "REQUEST_DOCS": ("instructions", "documents", "request_docs_task"),
         "REQUEST_ASSETS": ("instructions", "assets", "request_assets_task")}


@pytest.mark.parametrize("kind,content", [
    ("COLLECT_INFO", VALID["COLLECT_INFO"]),
    ("COLLECT_INFO", {"fields": EVERY_FIELD_TYPE}),
    ("REQUEST_DOCS", VALID["REQUEST_DOCS"]),
    ("REQUEST_DOCS", {"documents": [{"name": "Cert", "formats": [".PEM"], "required": False}]}),
    ("REQUEST_ASSETS", VALID["REQUEST_ASSETS"]),
    ("REQUEST_ASSETS", {"assets": [{"name": "Logo", "formats": ["SVG"], "dimensions": "512x512"}]}),
])
def test_a_read_task_is_what_the_portal_events_promise(kind, content):
    """The published task (outgoing.portal_action) is the task's text and its list, as read here."""
    text_key, list_key, task_def = TASKS[kind]
    read = task_content(kind, content)
    task = {text_key: read[text_key], list_key: read[list_key]}
    validator = Draft202012Validator({"$ref": f"#/$defs/{task_def}", "$defs": event_defs()})
    assert [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(task)] == []


def test_the_copied_upload_rules_match_the_template_format_and_the_event_schema():
    """FORMAT_LIMITS_MB and the format lists are copied from templates (services never import each other):
    hold them to docs/templates/format.md's table and to the formats the portal's events accept."""
    table = (ROOT / "docs" / "templates" / "format.md").read_text().split("### Upload formats and size limits")[1]
    assert FORMAT_LIMITS_MB == {name: int(mb) for name, mb in re.findall(r"^\| `(\w+)` \| (\d+) \|$", table, re.M)}
    defs = event_defs()
    assert list(DOCUMENT_FORMATS) == defs["document_formats"]["items"]["enum"] == ALL_DOCUMENT_FORMATS
    assert list(ASSET_FORMATS) == defs["asset_formats"]["items"]["enum"] == ALL_ASSET_FORMATS
