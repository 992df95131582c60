import pytest

from stitch.accounts.entrypoints.http import create_app
from stitch.common.envelope import new_event
from stitch.common.messaging.errors import PermanentFailure

CREATED = "templates.template_created.v1"


def template_created(org="org-1", **data):
    payload = {"template_id": "t-1", "name": "Standard", "created_by": "u-1",
               "created_at": "2026-11-22T09:00:00+00:00", **data}
    return new_event("templates", CREATED, payload, org)


def test_template_created_lands_in_the_catalog(runtime, uow):
    runtime.event_handlers[CREATED](template_created(), uow)
    [entry] = uow.template_catalog.entries.values()
    assert (entry.org_id, entry.template_id, entry.name) == ("org-1", "t-1", "Standard")


def test_applying_the_same_template_twice_keeps_one_entry(runtime, uow):
    runtime.event_handlers[CREATED](template_created(), uow)
    runtime.event_handlers[CREATED](template_created(name="Renamed"), uow)
    assert [e.name for e in uow.template_catalog.entries.values()] == ["Renamed"]


@pytest.mark.parametrize("broken", [{"name": None}, {"created_at": "yesterday"}])
def test_an_event_missing_what_accounts_needs_is_a_permanent_failure(runtime, uow, broken):
    event = template_created(**broken)
    if broken.get("name", "") is None:
        event.data.pop("name")
    with pytest.raises(PermanentFailure):
        runtime.event_handlers[CREATED](event, uow)


def test_an_event_without_an_organization_is_refused(runtime, uow):
    with pytest.raises(PermanentFailure):
        runtime.event_handlers[CREATED](template_created(org=None), uow)
    assert uow.template_catalog.entries == {}


def test_catalog_endpoint_lists_only_the_callers_organization(runtime, uow, test_keys):
    runtime.event_handlers[CREATED](template_created(), uow)
    runtime.event_handlers[CREATED](template_created(org="org-2", template_id="t-2"), uow)
    client = create_app(runtime).test_client()
    body = client.get("/api/accounts/template-catalog", headers=test_keys.bearer(role="viewer")).get_json()
    assert [item["template_id"] for item in body["items"]] == ["t-1"]
    assert client.get("/api/accounts/template-catalog").status_code == 401
