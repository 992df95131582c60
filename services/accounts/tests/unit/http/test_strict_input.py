"""Input the API once let through: flags that are not JSON booleans, fields that make no sense together,
and junk in a portal task's lists. Each is a 422 problem+json naming the field, and nothing is saved."""

from __future__ import annotations

import pytest

BASE = "/api/accounts/accounts"
SETTINGS = "/api/accounts/settings"
NOT_FLAGS = ["yes", "1", "true", 1, 0, None, {}]


def errors_of(response) -> dict[str, str]:
    assert response.status_code == 422 and response.content_type == "application/problem+json", response.get_json()
    return {e["name"]: e["reason"] for e in response.get_json()["errors"]}


# -- N5: a confirmation is a JSON true, nothing else ----------------------------------------
@pytest.mark.parametrize("value", NOT_FLAGS)
def test_allow_duplicate_takes_only_a_json_boolean(client, headers, create, new_account, uow, value):
    create()
    again = client.post(BASE, json=new_account(allow_duplicate=value), headers=headers())
    assert "json.allow_duplicate" in errors_of(again)
    assert len(uow.tables["accounts"].rows) == 1


@pytest.mark.parametrize("value", NOT_FLAGS)
def test_confirm_reset_takes_only_a_json_boolean(client, headers, create, seeded, value):
    account = create()
    response = client.post(f"{BASE}/{account['id']}/template",
                           json={"template_id": seeded.template_id, "confirm_reset": value}, headers=headers())
    assert "json.confirm_reset" in errors_of(response)
    unchanged = client.get(f"{BASE}/{account['id']}", headers=headers()).get_json()
    assert unchanged["version"] == account["version"] and unchanged["milestones"] == account["milestones"]


@pytest.mark.parametrize("value", ["yes", 1])
def test_other_flags_take_only_a_json_boolean_too(client, headers, create, new_account, value):
    contacts = [{"name": "Jo", "email": "jo@acme.test", "is_primary": value}]
    assert "json.contacts.0.is_primary" in errors_of(client.post(BASE, json=new_account(contacts=contacts),
                                                                 headers=headers()))
    assert "json.review_portal_tasks" in errors_of(client.patch(SETTINGS, json={"review_portal_tasks": value},
                                                                headers=headers()))
    account = create()
    added = client.post(f"{BASE}/{account['id']}/contacts",
                        json={"name": "Sam", "email": "sam@acme.test", "is_primary": value}, headers=headers())
    assert "json.is_primary" in errors_of(added)


def test_json_booleans_still_work(client, headers, create, new_account, seeded):
    first = create()
    duplicate = client.post(BASE, json=new_account(allow_duplicate=True), headers=headers())
    assert duplicate.status_code == 201 and duplicate.get_json()["duplicate_of"] == first["id"]
    refused = client.post(f"{BASE}/{first['id']}/template",
                          json={"template_id": seeded.template_id, "confirm_reset": False}, headers=headers())
    assert refused.status_code == 409 and refused.get_json()["rule"] == "account.reapply.needs_confirmation"
    reset = client.post(f"{BASE}/{first['id']}/template",
                        json={"template_id": seeded.template_id, "confirm_reset": True}, headers=headers())
    assert reset.status_code == 200


# -- N6: fields that only make sense together ----------------------------------------------
def test_a_revision_without_its_template_is_refused(client, headers, new_account, seeded, uow):
    body = {key: value for key, value in new_account(revision_id=seeded.revision_id).items() if key != "template_id"}
    assert errors_of(client.post(BASE, json=body, headers=headers())) == {
        "json.revision_id": "give template_id with revision_id"}
    assert uow.tables["accounts"].rows == {} and uow.published == []


def test_a_revision_with_its_template_is_applied(client, headers, new_account, seeded):
    created = client.post(BASE, json=new_account(revision_id=seeded.revision_id), headers=headers())
    assert created.status_code == 201 and created.get_json()["revision_id"] == seeded.revision_id


def test_two_primary_contacts_are_refused(client, headers, new_account, uow):
    contacts = [{"name": "Jo", "email": "jo@acme.test", "is_primary": True},
                {"name": "Sam", "email": "sam@acme.test", "is_primary": False},
                {"name": "Al", "email": "al@acme.test", "is_primary": True}]
    assert errors_of(client.post(BASE, json=new_account(contacts=contacts), headers=headers())) == {
        "json.contacts": "at most one primary contact"}
    assert uow.tables["accounts"].rows == {} and uow.published == []


def test_rules_between_fields_are_reported_with_the_other_problems(client, headers, new_account):
    contacts = [{"name": "Jo", "email": "jo@acme.test", "is_primary": True},
                {"name": "Al", "email": "al@acme.test", "is_primary": True}]
    body = {**new_account(contacts=contacts, revision_id="r-1", arr=-1)}
    del body["template_id"]
    assert errors_of(client.post(BASE, json=body, headers=headers())).keys() == {
        "json.arr", "json.revision_id", "json.contacts"}


def test_one_primary_contact_is_fine(client, headers, new_account):
    contacts = [{"name": "Jo", "email": "jo@acme.test"}, {"name": "Al", "email": "al@acme.test", "is_primary": True}]
    created = client.post(BASE, json=new_account(contacts=contacts), headers=headers())
    assert created.status_code == 201
    assert [(c["email"], c["is_primary"]) for c in created.get_json()["contacts"]] == [
        ("jo@acme.test", False), ("al@acme.test", True)]


# -- S9: a portal task's lists, over HTTP ----------------------------------------------------
def test_junk_in_a_portal_task_is_named_and_nothing_is_saved(client, headers, create, uow):
    account = create()
    url, setup = f"{BASE}/{account['id']}", account["milestones"][1]["id"]
    published = len(uow.published)
    added = client.post(f"{url}/milestones/{setup}/actions", headers=headers(), json={
        "label": "Signed DPA", "type": "REQUEST_DOCS", "visibility": {"portal": {"visible": True}},
        "content": {"instructions": "a", "documents": [{"x": 1}, 5, None]}})
    assert errors_of(added) == {"json.content.documents.0.name": "is required",
                                "json.content.documents.0.x": "is not a known field",
                                "json.content.documents.1": "must be an object",
                                "json.content.documents.2": "must be an object"}
    assert client.get(url, headers=headers()).get_json()["version"] == account["version"]
    assert len(uow.published) == published


def test_a_portal_task_is_stored_with_every_default_and_edits_keep_it(client, headers, create):
    account = create()
    url, setup = f"{BASE}/{account['id']}", account["milestones"][1]["id"]
    added = client.post(f"{url}/milestones/{setup}/actions", headers=headers(), json={
        "label": "Logo", "type": "REQUEST_ASSETS", "visibility": {"portal": {"visible": True}},
        "content": {"assets": [{"name": "Logo", "formats": [".SVG"]}]}})
    assert added.status_code == 201, added.get_json()
    action_id = added.headers["Location"].rsplit("/", 1)[1]
    action = next(a for m in added.get_json()["milestones"] for a in m["actions"] if a["id"] == action_id)
    assert action["content"] == {"instructions": "", "assets": [{
        "name": "Logo", "description": "", "formats": ["svg"], "required": True, "max_files": 1, "max_size_mb": 5,
        "dimensions": ""}]}
    edited = client.patch(f"{url}/actions/{action_id}", json={"label": "Your logo"}, headers=headers())
    after = next(a for m in edited.get_json()["milestones"] for a in m["actions"] if a["id"] == action_id)
    assert after["content"] == action["content"]
    junk = client.patch(f"{url}/actions/{action_id}", json={"content": {"assets": [{"name": "Logo", "max_files": 99}]}},
                        headers=headers())
    assert errors_of(junk) == {"json.content.assets.0.max_files": "must be a whole number from 1 to 20"}
