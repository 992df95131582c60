"""Every published event matches its schema in docs/events; every published type has one."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from sqlalchemy import select

from stitch.accounts.application.catalog import when_template_created_add_to_catalog
from stitch.accounts.bootstrap import bootstrap as accounts_bootstrap
from stitch.common.envelope import Envelope
from stitch.common.testing.fakes import TestKeys
from stitch.templates import config as templates_config
from stitch.templates.application.common import Actor
from stitch.templates.application.publishing import validate_document
from stitch.templates.bootstrap import bootstrap as templates_bootstrap
from stitch.templates.domain.revision import document_of

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "docs" / "events"
EVENT_TYPE = re.compile(r"""["']([a-z]+\.[a-z_]+\.v[0-9]+)["']""")
ORG = "00000000-0000-4000-8000-00000000d3e0"
ADMIN = Actor(ORG, "00000000-0000-4000-8000-0000000ad300")

# jsonschema checks "date-time" only with an optional package installed; check it here regardless.
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE)
FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(_RFC3339.match(value)) and datetime.datetime.fromisoformat(value.upper()) is not None


def schemas() -> dict[str, dict]:
    return {p.name.removesuffix(".json"): json.loads(p.read_text()) for p in EVENTS.glob("*.v*.json")}


def validator(schema: dict) -> Draft202012Validator:
    envelope = json.loads((EVENTS / "envelope.schema.json").read_text())
    registry = Registry().with_resource(envelope["$id"], Resource.from_contents(envelope))
    return Draft202012Validator(schema, registry=registry, format_checker=FORMATS)


def published_types_in_code() -> set[str]:
    """Event type literals in the parts' application code (where use cases publish)."""
    found = set()
    for source in [*ROOT.glob("services/*/src/stitch/*/application/**/*.py"),
                   *ROOT.glob("gateway/src/stitch/gateway/application/**/*.py")]:
        owner = source.parts[source.parts.index("stitch") + 1]
        found |= {t for t in EVENT_TYPE.findall(source.read_text()) if t.startswith(f"{owner}.")}
    return found


def example(event_type: str) -> dict:
    return json.loads(json.dumps(schemas()[event_type]["examples"][0]))  # a copy a test may change


@pytest.mark.parametrize("name", sorted(schemas()))
def test_schema_is_valid_and_its_examples_pass(name):
    schema = schemas()[name]
    Draft202012Validator.check_schema(schema)
    assert schema["examples"], f"{name} needs an example for consumers' tests"
    for documented in schema["examples"]:
        validator(schema).validate(documented)
        assert documented["type"] == name


def test_every_type_published_in_code_is_documented():
    missing = published_types_in_code() - set(schemas())
    assert not missing, f"publish without a schema in docs/events: {sorted(missing)}"


def test_a_contract_violation_is_caught():
    """The checks here can fail: a payload missing a required field does not validate."""
    broken = example("templates.template_created.v1")
    del broken["data"]["name"]
    assert list(validator(schemas()["templates.template_created.v1"]).iter_errors(broken))


def test_the_published_revision_schema_tells_action_types_apart():
    """Content is checked per action type: an email's content under a meeting does not validate."""
    schema = schemas()["templates.template_published.v1"]
    broken = example("templates.template_published.v1")
    actions = broken["data"]["milestones"][0]["actions"]
    email, meeting = actions[0], actions[2]
    assert (email["type"], meeting["type"]) == ("SEND_EMAIL", "SCHEDULE_MEETING")
    meeting["content"] = email["content"]
    assert list(validator(schema).iter_errors(broken))
    late = example("templates.template_published.v1")
    late["data"]["milestones"][0]["actions"][0]["trigger"]["delay_hours"] = 721
    assert list(validator(schema).iter_errors(late))
    naive = example("templates.template_published.v1")
    naive["data"]["published_at"] = "2026-11-23T14:05:00"  # no offset: not RFC 3339
    assert list(validator(schema).iter_errors(naive))


def test_the_published_example_is_a_revision_templates_could_cut():
    """The documented snapshot is what the producer makes of it: every default written out, nothing extra."""
    document = document_of(example("templates.template_published.v1")["data"])
    template = validate_document(document, clock=lambda: datetime.datetime.now(datetime.UTC))
    assert template.document() == document


# -- templates: a real journey over the real adapters, every outbox row checked -------------------

def _document(name: str) -> dict:
    return json.loads((ROOT / "docs" / "templates" / "examples" / f"{name}.json").read_text())["template"]


# Only what is required: the producer fills in every default, and the schema must accept them all.
BARE = {"name": "Bare minimum", "milestones": [{"name": "Only step", "actions": [
    {"type": "SEND_EMAIL", "label": "Hello", "content": {"subject": "Hi", "body": "Hello {{contact_first_name}}"}},
    {"type": "COLLECT_INFO", "label": "Questions", "content": {"fields": [
        {"label": "Notes", "type": "textarea"}, {"label": "Tier", "type": "dropdown", "options": ["Gold"]},
        {"label": "Tools", "type": "multiple_choice", "options": ["Slack", "Jira"]},
        {"label": "Agreed?", "type": "checkbox"}, {"label": "Start", "type": "date"},
        {"label": "Org chart", "type": "file"}]}},
    {"type": "REQUEST_DOCS", "label": "Contract", "content": {"documents": [{"name": "Signed contract"}]}},
    {"type": "REQUEST_ASSETS", "label": "Logo", "content": {"assets": [{"name": "Logo"}]}},
    {"type": "SCHEDULE_MEETING", "label": "Kickoff", "content": {"title": "Kickoff"}},
    {"type": "SLACK", "label": "Ping", "content": {"message": "Started {{company_name}}"}},
]}]}

HANDOFF = {"name": "Enterprise Handoff", "description": "Before the kickoff.", "questions": [
    {"text": "Why did the customer buy?", "type": "textarea", "required": True},
    {"text": "Executive sponsor", "type": "text", "placeholder": "Name, title"},
    {"text": "Integrations promised", "type": "multi_select", "options": ["Salesforce", "SSO (SAML)"]},
    {"text": "Support tier", "type": "multiple_choice", "options": ["Standard", "Premium"]},
    {"text": "Custom terms agreed?", "type": "yes_no"},
]}


@pytest.fixture
def templates_runtime(migrated_runtime):
    return migrated_runtime(templates_bootstrap, templates_config)


def _outbox(runtime) -> list:
    with runtime.engine.connect() as db:
        return db.execute(select(runtime.metadata.tables["outbox"])).all()


def test_templates_publishes_every_documented_event_as_documented(templates_runtime):
    use = templates_runtime.use_cases
    full = use["create_template"](ADMIN, _document("enterprise-implementation"))  # all six action types
    bare = use["create_template"](ADMIN, BARE)
    use["publish_template"](ADMIN, full.id, None)
    use["change_details"](ADMIN, full.id, {"description": "Second revision", "duration_weeks": None}, None)
    use["publish_template"](ADMIN, full.id, None)
    use["publish_template"](ADMIN, bare.id, None)
    use["archive_template"](ADMIN, full.id)
    use["restore_template"](ADMIN, full.id)
    copy = use["duplicate_template"](ADMIN, full.id, None)
    use["import_template"](ADMIN, use["export_template"](ORG, full.id, 1), "Imported enterprise")
    use["delete_template"](ADMIN, copy.id)
    form = use["create_form"](ADMIN, HANDOFF)
    use["publish_form"](ADMIN, form.id, None)

    rows = _outbox(templates_runtime)
    documented = schemas()
    for row in rows:
        assert row.envelope["type"] == row.routing_key
        assert row.routing_key in documented, f"{row.routing_key} is published without a schema"
        validator(documented[row.routing_key]).validate(row.envelope)
        assert row.envelope["orgid"] == ORG
    produced = {row.routing_key for row in rows}
    never_produced = {name for name in documented if name.startswith("templates.")} - produced
    assert not never_produced, f"documented but not produced by the journey: {sorted(never_produced)}"
    counts = {t: [row.routing_key for row in rows].count(t) for t in produced}
    assert counts["templates.template_published.v1"] == 3 and counts["templates.template_created.v1"] == 4


def test_templates_counts_usage_from_the_documented_template_applied_example(templates_runtime):
    """The consumer reads the stand-in contract as documented (accounts will publish it, issue 6)."""
    assert set(templates_runtime.event_handlers) <= set(schemas()), "consumes a type docs/events lacks"
    template = templates_runtime.use_cases["create_template"](ADMIN, BARE)
    applied = example("accounts.template_applied.v1")
    applied["orgid"], applied["data"]["template_id"] = ORG, template.id
    validator(schemas()["accounts.template_applied.v1"]).validate(applied)
    handler = templates_runtime.event_handlers["accounts.template_applied.v1"]
    for _delivery in range(2):  # applying one template to one account again counts once
        with templates_runtime.uow() as uow:
            uow.set_org(ORG)
            handler(Envelope.from_dict(applied), uow)
            uow.commit()
    assert templates_runtime.use_cases["get_template"](ORG, template.id).usage_count == 1


# -- accounts ----------------------------------------------------------------------------------

def test_accounts_understands_the_documented_example():
    documented = schemas()["templates.template_created.v1"]["examples"][0]
    recorded = []
    uow = type("Uow", (), {"template_catalog": type("C", (), {"upsert": lambda self, e: recorded.append(e)})()})()
    when_template_created_add_to_catalog(Envelope.from_dict(documented), uow, now=datetime.datetime.now())
    assert [entry.name for entry in recorded] == ["Standard onboarding"]
    consumed = accounts_bootstrap(uow=lambda: uow, verifier=TestKeys().verifier()).event_handlers.keys()
    assert "templates.template_created.v1" in consumed
    assert set(consumed) <= set(schemas()), "accounts consumes a type docs/events lacks"
