"""Staff-only facts never reach customers (issue 7): not in the events the portal builds its view
from, and not in any answer to a customer's token (audience ``stitch-portal``).

- The documented schemas: no event the portal may read names a staff-only field, and every object
  in them is closed (``additionalProperties: false``), so a producer held to its schema (the
  contract tests validate every outbox row) cannot slip one in.
- The outbox of a real journey full of internal notes (tests/contracts/test_accounts_contracts.py
  checks that no marker leaves in any event).
- Every staff endpoint of the accounts API, called with a customer's token bound to the very
  account whose notes we look for, answers 401 without a byte of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.authz.conftest import Suite

EVENTS = Path(__file__).resolve().parents[2] / "docs" / "events"
MATRIX = Path(__file__).resolve().parents[1] / "authz" / "operations.yaml"
# What only staff may read about an account (domain/account.py INTERNAL_FIELDS and the workspace's
# notes, drafts and internal plan texts).
STAFF_ONLY = frozenset({"notes", "crm_notes", "note", "arr", "custom_fields", "ae_email", "internal_description",
                        "draft", "draft_instructions", "instructions_for_writer", "body_internal"})
# accounts.* events the portal does not consume: delivery requests go to connectors only (they carry
# the message), answers and collaborator changes to workflows.
NOT_FOR_THE_PORTAL = frozenset({"accounts.delivery_requested.v1", "accounts.request_answered.v1",
                                "accounts.collaborators_changed.v1"})


def portal_readable() -> list[str]:
    names = sorted(path.name.removesuffix(".json") for path in EVENTS.glob("accounts.*.v1.json"))
    return [name for name in names if name not in NOT_FOR_THE_PORTAL]


def objects(schema: Any, path: str = "data") -> Iterator[tuple[str, dict]]:
    """Every object schema inside ``schema``, with where it sits."""
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "object" or "properties" in schema:
        yield path, schema
    for name, child in schema.get("properties", {}).items():
        yield from objects(child, f"{path}.{name}")
    for key in ("items", "oneOf", "anyOf", "allOf"):
        children = schema.get(key)
        for index, child in enumerate(children if isinstance(children, list) else [children] if children else []):
            yield from objects(child, f"{path}[{key}{index}]")


def schema_objects(event_type: str) -> list[tuple[str, dict]]:
    document = json.loads((EVENTS / f"{event_type}.json").read_text())
    found = list(objects(document["properties"]["data"]))
    for name, definition in document.get("$defs", {}).items():
        found += list(objects(definition, f"$defs.{name}"))
    return found


def test_the_portal_reads_the_events_this_test_expects():
    assert "accounts.milestone_blocked.v1" in portal_readable()
    assert not NOT_FOR_THE_PORTAL - {p.name.removesuffix(".json") for p in EVENTS.glob("accounts.*.json")}


@pytest.mark.parametrize("event_type", portal_readable())
def test_no_event_the_portal_reads_names_a_staff_only_field(event_type):
    named = {name for _, obj in schema_objects(event_type) for name in obj.get("properties", {})}
    assert not named & STAFF_ONLY, f"{event_type} names {sorted(named & STAFF_ONLY)}"


def closed(obj: dict) -> bool:
    """No undocumented field passes: closed itself, a refinement of a (checked) definition, or a
    choice among (checked) definitions, e.g. a form field's shape by its type."""
    if obj.get("additionalProperties") is False or "$ref" in obj:
        return True
    branches = obj.get("allOf") or []
    return bool(branches) and all("$ref" in branch.get("then", {}) for branch in branches)


@pytest.mark.parametrize("event_type", portal_readable())
def test_every_object_in_an_event_the_portal_reads_is_closed(event_type):
    open_objects = [path for path, obj in schema_objects(event_type) if not closed(obj)]
    assert not open_objects, f"{event_type}: {open_objects} accept undocumented fields"


def test_the_closed_check_catches_an_open_object():
    leaky = {"type": "object", "additionalProperties": False, "properties": {
        "milestone": {"type": "object", "properties": {"name": {"type": "string"}}},
        "field": {"type": "object", "allOf": [{"if": {}, "then": {"type": "object"}}]}}}
    assert [path for path, obj in objects(leaky) if not closed(obj)] == ["data.milestone", "data.field"]


# -- the customer's token on every staff endpoint -------------------------------------------------

MARKERS = ("NOTE-3f9c", "CRM-77ab", "TRANSFER-51de", "NOTEBODY-9a1b")


@pytest.fixture(scope="module")
def suite(tmp_path_factory) -> Iterator[Suite]:
    built = Suite(tmp_path_factory.mktemp("staff-only"))
    yield built
    for runtime in built.runtimes.values():
        runtime.engine.dispose()


def _accounts_gets() -> list[str]:
    entries = yaml.safe_load(MATRIX.read_text())["operations"]
    return [entry["op"].split(" ", 2)[2] for entry in entries
            if entry["op"].startswith("accounts GET ")]


def test_a_customer_token_reads_nothing_staff_only(suite):
    org = suite.orgs["A"]
    admin = suite.as_admin()
    account_id = suite.seed("started_account")
    account = suite.call("GET", f"/api/accounts/accounts/{account_id}", headers=admin).get_json()
    changed = suite.call("PATCH", f"/api/accounts/accounts/{account_id}", headers=admin,
                         body={"notes": MARKERS[0], "crm_notes": MARKERS[1]})
    assert changed.status_code == 200, changed.get_data(as_text=True)
    moved = suite.call("POST", f"/api/accounts/accounts/{account_id}/csm", headers=admin,
                       body={"csm_id": org.users["csm"].id, "note": MARKERS[2]})
    assert moved.status_code == 200, moved.get_data(as_text=True)
    noted = suite.call("POST", f"/api/accounts/accounts/{account_id}/notes", headers=admin,
                       body={"body": f"Renewal risk: {MARKERS[3]}"})
    assert noted.status_code == 201, noted.get_data(as_text=True)
    contact = account["contacts"][0]
    token = suite.contact_token_for(org, account_id, contact["id"], contact["email"])
    customer = {"Authorization": f"Bearer {token}"}
    values = {"account_id": account_id, "action_id": account["milestones"][0]["actions"][0]["id"],
              "milestone_id": account["milestones"][0]["id"]}
    called = 0
    for template in _accounts_gets():
        try:
            path = template.format(**values)
        except KeyError:
            continue  # an object this account has none of (a pool, a note): the matrix covers it
        answer = suite.call("GET", path, headers=customer)
        text = answer.get_data(as_text=True)
        assert answer.status_code == 401, (path, answer.status_code)
        assert not [marker for marker in MARKERS if marker in text], path
        called += 1
    assert called >= 5
    # The same calls as the account's admin do show the notes: the markers are really there.
    staff_view = suite.call("GET", f"/api/accounts/accounts/{account_id}", headers=admin).get_data(as_text=True)
    assert MARKERS[0] in staff_view and MARKERS[1] in staff_view
    notes = suite.call("GET", f"/api/accounts/accounts/{account_id}/notes", headers=admin).get_data(as_text=True)
    assert MARKERS[3] in notes
