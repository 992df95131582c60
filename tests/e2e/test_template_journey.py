"""The templates issue's acceptance, as a client meets it: every call through the gateway.

The suite is the persona matrix's (tests/authz/conftest.py): the gateway and the five services in
one process on SQLite, the gateway forwarding to the services' apps, two organizations with
their people. The admin's and the CSM's tokens come from the gateway's login, as a person's would.

- The journey: create a template, add milestones and actions, validate a document with several
  bad fields at once, publish revision 1, edit, publish revision 2 (revision 1 unchanged), diff
  them, duplicate, export → import → export (same file), and a CSM may read but not write.
- Invalid input: each refused with 422 naming the field (json.<dotted path>), or 413 for a body
  over 1 MiB, and nothing saved: the template list and the templates outbox are as they were.
- AI generation: a description becomes a draft that can be created and published as it is.
- Handoff forms: a published version keeps its wording when the form is reworded.
"""

from __future__ import annotations

import copy
import uuid
from urllib.parse import urlencode
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.authz.conftest import Suite

pytestmark = pytest.mark.e2e
API = "/api/templates"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def suite(tmp_path_factory) -> Iterator[Suite]:
    built = Suite(tmp_path_factory.mktemp("template-journey"))
    yield built
    for runtime in built.runtimes.values():
        runtime.engine.dispose()


@pytest.fixture(scope="module")
def admin(suite) -> dict[str, str]:
    """Org A's admin, signed in through the gateway."""
    return {"Authorization": f"Bearer {suite.login(suite.orgs['A'].admin_email)['access_token']}"}


@pytest.fixture(scope="module")
def csm(suite) -> dict[str, str]:
    return {"Authorization": f"Bearer {suite.login(suite.orgs['A'].users['csm'].email)['access_token']}"}


def unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:8]}"


def email(label: str = "Welcome", subject: str = "Welcome aboard, {{company_name}}",
          body: str = "Hello {{contact_first_name}}, here is your plan.", **extra: Any) -> dict[str, Any]:
    return {"label": label, "type": "SEND_EMAIL", "content": {"subject": subject, "body": body}, **extra}


def minimal(name: str) -> dict[str, Any]:
    return {"name": name, "milestones": [{"name": "Kickoff", "actions": [email()]}]}


class Api:
    """The templates API through the gateway, as one caller."""

    def __init__(self, suite: Suite, headers: dict[str, str]) -> None:
        self.suite, self.headers = suite, headers

    def __call__(self, method: str, path: str, body: Any = None, *, status: int | None = None,
                 if_match: str | None = None):
        headers = {**self.headers, **({"If-Match": if_match} if if_match else {})}
        response = self.suite.call(method, f"{API}{path}", headers=headers, body=body)
        if status is not None:
            assert response.status_code == status, f"{method} {path}: {response.get_data(as_text=True)}"
        return response

    def json(self, method: str, path: str, body: Any = None, *, status: int = 200, **kwargs: Any) -> Any:
        return self(method, path, body, status=status, **kwargs).get_json()


def error_names(response) -> list[str]:
    assert response.headers["Content-Type"] == PROBLEM, response.get_data(as_text=True)
    return [error["name"] for error in response.get_json()["errors"]]


def without_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [without_ids(v) for v in value]
    return value


def outbox_rows(suite: Suite) -> int:
    runtime = suite.runtimes["templates"]
    with runtime.engine.connect() as db:
        return db.execute(select(func.count()).select_from(runtime.metadata.tables["outbox"])).scalar_one()


def saved_state(suite: Suite, api: Api) -> tuple[Any, int]:
    """What a refused write must leave as it was: every template of org A (archived ones too),
    and how many events the templates service has recorded."""
    return api.json("GET", "/templates?status=all&limit=200"), outbox_rows(suite)


# -- the journey ------------------------------------------------------------------------------

def test_an_admin_builds_publishes_revises_shares_and_a_csm_only_reads(suite, admin, csm):
    api = Api(suite, admin)
    name = unique("Enterprise onboarding")

    # Create a draft, then build its plan one milestone and action at a time (each answer
    # carries the template's new ETag; If-Match refuses a lost update).
    created = api("POST", "/templates", {"name": name, "description": "For large accounts", "duration_weeks": 6,
                                         "segment": "Enterprise", "tags": ["Enterprise"]}, status=201)
    template = created.get_json()
    template_id, etag = template["id"], created.headers["ETag"]
    assert template["milestones"] == [] and template["latest_revision"] == 0 and etag == '"1"'
    kickoff = api("POST", f"/templates/{template_id}/milestones", {"name": "Kickoff", "duration_days": 5},
                  if_match=etag, status=201)
    etag = kickoff.headers["ETag"]
    kickoff_id = kickoff.get_json()["id"]
    welcome = api("POST", f"/templates/{template_id}/milestones/{kickoff_id}/actions", email(), if_match=etag,
                  status=201)
    etag, welcome_id = welcome.headers["ETag"], welcome.get_json()["id"]
    stale = api("POST", f"/templates/{template_id}/milestones", {"name": "Too late"}, if_match='"1"', status=412)
    assert stale.headers["ETag"] == etag
    go_live = api.json("POST", f"/templates/{template_id}/milestones", {"name": "Go live"}, status=201)
    api("POST", f"/templates/{template_id}/milestones/{go_live['id']}/actions", {
        "label": "Billing details", "type": "COLLECT_INFO", "trigger": {"type": "milestone_start", "delay_hours": 24},
        "content": {"fields": [{"label": "Plan", "type": "dropdown", "options": ["Gold", "Silver"]}]}}, status=201)
    api("POST", f"/templates/{template_id}/milestones/{kickoff_id}/actions", {
        "label": "Kickoff call", "type": "SCHEDULE_MEETING", "content": {"title": "Kickoff with {{company_name}}"}},
        status=201)
    draft = api.json("GET", f"/templates/{template_id}")
    assert [m["name"] for m in draft["milestones"]] == ["Kickoff", "Go live"]
    assert [a["label"] for a in draft["milestones"][0]["actions"]] == ["Welcome", "Kickoff call"]
    assert draft["action_count"] == 3 and draft["unpublished_changes"] is True
    saved = api.json("PUT", f"/templates/{template_id}/plan", {"milestones": draft["milestones"]})  # the editor's save
    assert saved["milestones"] == draft["milestones"]  # what a read gives back saves as it is, ids kept

    # A whole document checked at once: every bad field is named, nothing is saved.
    before = saved_state(suite, api)
    bad = {"name": "", "duration_weeks": 0, "milestones": [
        {"name": "", "actions": [
            email(subject="Hi {{first_name}}", trigger={"type": "milestone_start", "delay_hours": 721}),
            {"label": "Fax", "type": "SEND_FAX"}]}]}
    refused = api("POST", "/templates/validate", bad, status=422)
    assert sorted(error_names(refused)) == sorted([
        "json.name", "json.duration_weeks", "json.milestones.0.name",
        "json.milestones.0.actions.0.trigger.delay_hours", "json.milestones.0.actions.0.content.subject",
        "json.milestones.0.actions.1.type"])
    unpublishable = api("POST", "/templates/validate", {"name": unique("Bare"), "milestones": [
        {"name": "Kickoff", "actions": [email()]}, {"name": "Empty"}, {"name": "Also empty"}]}, status=422)
    assert error_names(unpublishable) == ["json.milestones.1.actions", "json.milestones.2.actions"]
    assert saved_state(suite, api) == before
    checked = api.json("POST", "/templates/validate", minimal(unique("Checked")))
    assert checked["valid"] is True and checked["template"]["milestones"][0]["actions"][0]["content"]["to"] == [
        "primary_contact"]  # defaults filled in
    assert saved_state(suite, api) == before

    # Publish revision 1.
    first = api.json("POST", f"/templates/{template_id}/publish", status=201)
    assert first["number"] == 1 and first["milestone_count"] == 2 and first["action_count"] == 3
    assert api.json("GET", f"/templates/{template_id}")["unpublished_changes"] is False
    assert api("POST", f"/templates/{template_id}/publish").status_code == 409  # nothing changed since

    # Edit the draft (rename a milestone, reword an action, drop one, reorder), publish revision 2.
    api("PATCH", f"/templates/{template_id}/milestones/{kickoff_id}", {"name": "Welcome & kickoff"}, status=200)
    api("PATCH", f"/templates/{template_id}/actions/{welcome_id}",
        {"content": {"subject": "Welcome to onboarding, {{company_name}}", "body": "Hi {{contact_first_name}}"}},
        status=200)
    call_id = api.json("GET", f"/templates/{template_id}")["milestones"][0]["actions"][1]["id"]
    api("DELETE", f"/templates/{template_id}/actions/{call_id}", status=204)
    api("PUT", f"/templates/{template_id}/milestone-order", {"ids": [go_live["id"], kickoff_id]}, status=200)
    second = api.json("POST", f"/templates/{template_id}/publish", status=201)
    assert second["number"] == 2 and second["action_count"] == 2

    # Revision 1 is as it was published.
    assert api.json("GET", f"/templates/{template_id}/revisions/1") == first
    assert [r["number"] for r in api.json("GET", f"/templates/{template_id}/revisions")["items"]] == [2, 1]
    assert api.json("GET", f"/templates/{template_id}/revisions/2")["snapshot"]["milestones"][0]["name"] == "Go live"

    # The diff names each change.
    diff = api.json("GET", f"/templates/{template_id}/diff?from=1&to=2")
    assert diff["from_revision"] == 1 and diff["to_revision"] == 2 and diff["unchanged"] is False
    assert diff["milestones"]["changed"] == [{"id": kickoff_id, "name": "Welcome & kickoff", "sequence": 2, "changes": [
        {"field": "name", "from": "Kickoff", "to": "Welcome & kickoff"}]}]
    assert [m["id"] for m in diff["milestones"]["moved"]] == [go_live["id"], kickoff_id]
    assert [a["label"] for a in diff["actions"]["removed"]] == ["Kickoff call"]
    [reworded] = diff["actions"]["changed"]
    assert reworded["id"] == welcome_id and {c["field"] for c in reworded["changes"]} == {"content.subject",
                                                                                         "content.body"}
    assert api.json("GET", f"/templates/{template_id}/diff?from=2&to=2")["unchanged"] is True

    # Duplicate: the same plan under a new name, with new ids and no revisions.
    copied = api.json("POST", f"/templates/{template_id}/duplicate", {}, status=201)
    current = api.json("GET", f"/templates/{template_id}")
    assert copied["name"] == f"{name} (copy)" and copied["id"] != template_id and copied["latest_revision"] == 0
    assert without_ids(copied["milestones"]) == without_ids(current["milestones"])
    assert not {m["id"] for m in copied["milestones"]} & {m["id"] for m in current["milestones"]}

    # Export → import → export: the same file. Into org B under the same name; into org A (where
    # the name is taken) under another one.
    exported = api("GET", f"/templates/{template_id}/export", status=200)
    assert exported.headers["Content-Disposition"].endswith('.stitch-template.json"')
    file = exported.get_json()
    assert file["format"] == "stitch.template" and file["format_version"] == 1 and without_ids(file) == file
    other = Api(suite, suite.as_admin("B"))
    imported_b = other.json("POST", "/templates/import", file, status=201)
    assert other.json("GET", f"/templates/{imported_b['id']}/export") == file
    assert api("POST", "/templates/import", file).status_code == 409  # names are unique in an organization
    imported = api.json("POST", f"/templates/import?{urlencode({'name': f'{name} (imported)'})}", file,
                        status=201)
    again = api.json("GET", f"/templates/{imported['id']}/export")
    assert again == {**file, "template": {**file["template"], "name": f"{name} (imported)"}}
    assert api.json("GET", f"/templates/{template_id}/export?revision=1")["template"]["milestones"][0]["name"] == \
        "Kickoff"

    # A CSM reads everything and writes nothing.
    reader = Api(suite, csm)
    before = saved_state(suite, api)
    for path in ("/templates", f"/templates/{template_id}", f"/templates/{template_id}/revisions",
                 f"/templates/{template_id}/revisions/1", f"/templates/{template_id}/diff?from=1&to=2",
                 f"/templates/{template_id}/export", "/merge-fields", "/handoff-forms"):
        assert reader("GET", path).status_code == 200, path
    assert template_id in {t["id"] for t in reader.json("GET", "/templates?limit=200")["items"]}
    for method, path, body in (
            ("POST", "/templates", minimal(unique("By a CSM"))),
            ("PATCH", f"/templates/{template_id}", {"description": "CSM was here"}),
            ("PUT", f"/templates/{template_id}/plan", {"milestones": []}),
            ("POST", f"/templates/{template_id}/milestones", {"name": "CSM phase"}),
            ("PATCH", f"/templates/{template_id}/actions/{welcome_id}", {"label": "CSM label"}),
            ("DELETE", f"/templates/{template_id}/milestones/{kickoff_id}", None),
            ("POST", f"/templates/{template_id}/publish", None),
            ("POST", f"/templates/{template_id}/duplicate", {}),
            ("POST", f"/templates/{template_id}/archive", None),
            ("DELETE", f"/templates/{template_id}", None),
            ("POST", "/templates/import", file),
            ("POST", "/templates/validate", minimal(unique("Checked"))),
            ("POST", "/templates/generate", {"description": "A short onboarding"}),
            ("POST", "/handoff-forms", {"name": "CSM form"})):
        assert reader(method, path, body).status_code == 403, f"{method} {path}"
    assert saved_state(suite, api) == before


# -- invalid input ------------------------------------------------------------------------------

def _with_action(**action: Any) -> dict[str, Any]:
    return {"name": unique("Invalid"), "milestones": [{"name": "Kickoff", "actions": [{**email(), **action}]}]}


INVALID = {
    "delay_hours 721": (_with_action(trigger={"type": "milestone_start", "delay_hours": 721}),
                        "json.milestones.0.actions.0.trigger.delay_hours"),
    "unknown action type": (_with_action(type="SEND_PIGEON"), "json.milestones.0.actions.0.type"),
    "unknown merge field": (_with_action(content={"subject": "Hi", "body": "Dear {{customer_nickname}}"}),
                            "json.milestones.0.actions.0.content.body"),
    "empty milestone name": ({"name": unique("Invalid"), "milestones": [{"name": "  ", "actions": [email()]}]},
                             "json.milestones.0.name"),
    "dropdown without options": (_with_action(type="COLLECT_INFO", content={"fields": [
        {"label": "Plan", "type": "dropdown"}]}), "json.milestones.0.actions.0.content.fields.0.options"),
    "description over 2,000 characters": ({**_with_action(), "description": "x" * 2001}, "json.description"),
}


@pytest.mark.parametrize("case", INVALID)
def test_invalid_templates_are_refused_naming_the_field_and_nothing_is_saved(suite, admin, case):
    body, field = INVALID[case]
    api = Api(suite, admin)
    before = saved_state(suite, api)
    for path in ("/templates", "/templates/validate"):
        refused = api("POST", path, body, status=422)
        assert error_names(refused) == [field], refused.get_json()
    assert saved_state(suite, api) == before


def test_invalid_edits_of_a_draft_name_the_field_and_change_nothing(suite, admin):
    """The same rules on the one-at-a-time endpoints (their fields are named from the body sent)."""
    api = Api(suite, admin)
    template = api.json("POST", "/templates", minimal(unique("Edited")), status=201)
    template_id, milestone = template["id"], template["milestones"][0]
    action_id = milestone["actions"][0]["id"]
    before = saved_state(suite, api), api.json("GET", f"/templates/{template_id}")
    for method, path, body, field in (
            ("POST", f"/milestones/{milestone['id']}/actions",
             email(trigger={"type": "milestone_start", "delay_hours": 721}), "json.trigger.delay_hours"),
            ("PATCH", f"/actions/{action_id}", {"type": "SEND_PIGEON", "content": {}}, "json.type"),
            ("PATCH", f"/actions/{action_id}", {"content": {"subject": "{{nope}}", "body": "x"}},
             "json.content.subject"),
            ("PATCH", f"/milestones/{milestone['id']}", {"name": ""}, "json.name"),
            ("POST", "/milestones", {"name": "Forms", "actions": [{"label": "Plan", "type": "COLLECT_INFO", "content": {
                "fields": [{"label": "Plan", "type": "dropdown", "options": []}]}}]},
             "json.actions.0.content.fields.0.options"),
            ("PATCH", "", {"description": "x" * 2001}, "json.description"),
            ("PUT", "/plan", {"milestones": [{"name": "", "actions": []}]}, "json.milestones.0.name")):
        refused = api(method, f"/templates/{template_id}{path}", body, status=422)
        assert error_names(refused) == [field], (method, path, refused.get_json())
    assert (saved_state(suite, api), api.json("GET", f"/templates/{template_id}")) == before


def test_a_body_over_one_mebibyte_is_refused_at_the_gateway(suite, admin):
    api = Api(suite, admin)
    before = saved_state(suite, api)
    suite.forwarder.calls.clear()
    huge = {"name": unique("Huge"), "description": "x" * (1024 * 1024)}
    for path in ("/templates", "/templates/validate", "/templates/import"):
        refused = api("POST", path, huge, status=413)
        assert refused.headers["Content-Type"] == PROBLEM
    assert suite.forwarder.calls == []  # refused by the gateway itself, never forwarded
    assert saved_state(suite, api) == before


# -- AI generation ------------------------------------------------------------------------------

def test_a_generated_draft_can_be_created_and_published_as_it_is(suite, admin):
    api = Api(suite, admin)
    description = ("Enterprise onboarding over 12 weeks: a kickoff call, security review and SSO setup, "
                   "collect billing details and the W-9, data migration, admin training, then go live.")
    generated = api.json("POST", "/templates/generate", {"description": description})
    assert generated["generator"]["name"] == "offline" and generated["publishable"] is True
    draft = generated["template"]
    assert draft["milestones"] and all(m["actions"] for m in draft["milestones"])
    assert api.json("POST", "/templates/generate", {"description": description}) == generated  # nothing random
    draft["name"] = f"{draft['name'][:180]} {uuid.uuid4().hex[:8]}"  # names are unique in an organization
    created = api.json("POST", "/templates", draft, status=201)
    assert without_ids(created["milestones"]) == draft["milestones"]
    revision = api.json("POST", f"/templates/{created['id']}/publish", status=201)
    assert revision["number"] == 1


@pytest.mark.parametrize("description", ["", "   ", "x" * 4001], ids=["empty", "blank", "over 4000 characters"])
def test_generation_needs_a_description_of_at_most_4000_characters(suite, admin, description):
    api = Api(suite, admin)
    before = saved_state(suite, api)
    refused = api("POST", "/templates/generate", {"description": description}, status=422)
    assert error_names(refused) == ["json.description"]
    assert saved_state(suite, api) == before


# -- handoff forms --------------------------------------------------------------------------------

def test_a_published_handoff_form_version_keeps_its_wording(suite, admin):
    api = Api(suite, admin)
    questions = [{"text": "Who signed the contract?", "type": "text", "required": True},
                 {"text": "Which plan did they buy?", "type": "multi_select", "options": ["Gold", "Silver"]}]
    created = api("POST", "/handoff-forms", {"name": unique("Enterprise handoff"), "questions": questions},
                  status=201)
    form, etag = created.get_json(), created.headers["ETag"]
    assert form["questions"][1]["type"] == "multiple_choice" and form["questions"][1]["allow_multiple"] is True
    first = api.json("POST", f"/handoff-forms/{form['id']}/publish", if_match=etag, status=201)
    assert first["number"] == 1

    reworded = copy.deepcopy(form["questions"])
    reworded[0]["text"] = "Who signed the order form?"
    changed = api.json("PATCH", f"/handoff-forms/{form['id']}", {"questions": reworded})
    assert changed["unpublished_changes"] is True
    assert [q["id"] for q in changed["questions"]] == [q["id"] for q in form["questions"]]  # ids kept
    second = api.json("POST", f"/handoff-forms/{form['id']}/publish", status=201)
    assert second["number"] == 2 and second["questions"][0]["text"] == "Who signed the order form?"

    kept = api.json("GET", f"/handoff-forms/{form['id']}/versions/1")
    assert kept == first and kept["questions"][0]["text"] == "Who signed the contract?"
    assert [v["number"] for v in api.json("GET", f"/handoff-forms/{form['id']}/versions")["items"]] == [2, 1]
    assert api.json("GET", f"/handoff-forms/{form['id']}")["latest_version"] == 2
    no_options = api("POST", "/handoff-forms", {"name": unique("Form"), "questions": [
        {"text": "Plan?", "type": "multiple_choice"}]}, status=422)
    assert error_names(no_options) == ["json.questions.0.options"]
