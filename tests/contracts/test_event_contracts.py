"""Every published event matches its schema in docs/events; every published type has one."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from stitch.accounts.application.catalog import when_template_created_add_to_catalog
from stitch.accounts.bootstrap import bootstrap as accounts_bootstrap
from stitch.common.envelope import Envelope
from stitch.common.testing.fakes import FakeUnitOfWork, TestKeys
from stitch.templates.application.templates import CreateTemplate
from stitch.templates.bootstrap import bootstrap as templates_bootstrap

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "docs" / "events"
EVENT_TYPE = re.compile(r"""["']([a-z]+\.[a-z_]+\.v[0-9]+)["']""")


def schemas() -> dict[str, dict]:
    return {p.name.removesuffix(".json"): json.loads(p.read_text()) for p in EVENTS.glob("*.v*.json")}


def validator(schema: dict) -> Draft202012Validator:
    envelope = json.loads((EVENTS / "envelope.schema.json").read_text())
    registry = Registry().with_resource(envelope["$id"], Resource.from_contents(envelope))
    return Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())


def published_types_in_code() -> set[str]:
    """Event type literals in the parts' application code (where use cases publish)."""
    found = set()
    for source in [*ROOT.glob("services/*/src/stitch/*/application/**/*.py"),
                   *ROOT.glob("gateway/src/stitch/gateway/application/**/*.py")]:
        owner = source.parts[source.parts.index("stitch") + 1]
        found |= {t for t in EVENT_TYPE.findall(source.read_text()) if t.startswith(f"{owner}.")}
    return found


@pytest.mark.parametrize("name", sorted(schemas()))
def test_schema_is_valid_and_its_examples_pass(name):
    schema = schemas()[name]
    Draft202012Validator.check_schema(schema)
    assert schema["examples"], f"{name} needs an example for consumers' tests"
    for example in schema["examples"]:
        validator(schema).validate(example)


def test_every_type_published_in_code_is_documented():
    missing = published_types_in_code() - set(schemas())
    assert not missing, f"publish without a schema in docs/events: {sorted(missing)}"


class _TemplatesUow(FakeUnitOfWork):
    def __init__(self):
        super().__init__("templates")
        self.templates = type("Repo", (), {"add": lambda self, t: None})()


def test_templates_publishes_template_created_as_documented():
    uow = _TemplatesUow()
    runtime = templates_bootstrap(uow=lambda: uow, verifier=TestKeys().verifier())
    runtime.use_cases["create_template"](CreateTemplate("org-1", "Kick-off plan", "user-1"))
    [event] = uow.published
    body = json.loads(event.to_json())
    validator(schemas()[event.type]).validate(body)


def test_a_contract_violation_is_caught():
    """The check above can fail: a payload missing a required field does not validate."""
    example = dict(schemas()["templates.template_created.v1"]["examples"][0])
    example["data"] = {k: v for k, v in example["data"].items() if k != "name"}
    assert list(validator(schemas()["templates.template_created.v1"]).iter_errors(example))


def test_accounts_understands_the_documented_example():
    example = schemas()["templates.template_created.v1"]["examples"][0]
    recorded = []
    uow = type("Uow", (), {"template_catalog": type("C", (), {"upsert": lambda self, e: recorded.append(e)})()})()
    when_template_created_add_to_catalog(Envelope.from_dict(example), uow, now=__import__("datetime").datetime.now())
    assert [entry.name for entry in recorded] == ["Standard onboarding"]
    assert accounts_bootstrap(uow=lambda: uow, verifier=TestKeys().verifier()).event_handlers.keys() == {
        "templates.template_created.v1"}
