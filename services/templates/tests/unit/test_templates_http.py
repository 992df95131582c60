"""The templates API over in-memory fakes: status codes, problem+json naming fields, roles, ETags."""

from __future__ import annotations

import pytest

BASE = "/api/templates/templates"


def email(label="Welcome email", **content):
    return {"label": label, "type": "SEND_EMAIL",
            "content": {"subject": "Welcome to onboarding, {{company_name}}",
                        "body": "Hi {{contact_first_name}}, your portal: {{portal_link}}", **content}}


def document(name="Standard SaaS Onboarding", **overrides):
    return {"name": name, "description": "For SMB customers", "duration_weeks": 6, "segment": "SMB",
            "tags": ["saas"], "milestones": [{"name": "Kickoff", "duration_days": 7, "actions": [email()]}],
            **overrides}


@pytest.fixture
def admin(test_keys):
    return test_keys.bearer()


@pytest.fixture
def create(client, admin):
    def create(**overrides):
        response = client.post(BASE, json=document(**overrides), headers=admin)
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return create


def errors_of(response) -> dict[str, str]:
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    return {e["name"]: e["reason"] for e in response.get_json()["errors"]}


def test_create_returns_the_draft_with_ids_and_an_etag(client, admin, uow):
    response = client.post(BASE, json=document(), headers=admin)
    body = response.get_json()
    assert response.status_code == 201 and response.headers["ETag"] == '"1"'
    assert body["milestones"][0]["actions"][0]["content"]["to"] == ["primary_contact"]
    assert body["latest_revision"] == 0 and body["unpublished_changes"] and body["status"] == "active"
    assert [e.type for e in uow.published] == ["templates.template_created.v1"]


@pytest.mark.parametrize("change, field", [
    ({"milestones": [{"name": "M", "actions": [{**email(), "trigger": {"type": "milestone_start",
                                                                       "delay_hours": 721}}]}]},
     "json.milestones.0.actions.0.trigger.delay_hours"),
    ({"milestones": [{"name": "M", "actions": [{**email(), "type": "SEND_FAX"}]}]}, "json.milestones.0.actions.0.type"),
    ({"milestones": [{"name": "M", "actions": [email(subject="Hi {{nickname}}")]}]},
     "json.milestones.0.actions.0.content.subject"),
    ({"milestones": [{"name": "   ", "actions": [email()]}]}, "json.milestones.0.name"),
    ({"milestones": [{"name": "M", "actions": [{"label": "Intake", "type": "COLLECT_INFO", "content": {
        "fields": [{"label": "CRM", "type": "dropdown"}]}}]}]}, "json.milestones.0.actions.0.content.fields.0.options"),
    ({"description": "d" * 2001}, "json.description"),
    ({"name": 7}, "json.name"),
])
def test_invalid_input_names_the_field_and_saves_nothing(client, admin, uow, change, field):
    response = client.post(BASE, json=document(**change), headers=admin)
    assert field in errors_of(response)
    assert uow.templates.rows == {} and uow.published == []


def test_every_bad_field_is_named_in_one_answer(client, admin):
    bad = document(name="", milestones=[{"name": "", "actions": [email(subject="{{x}}", to=["nobody"])]}])
    assert set(errors_of(client.post(BASE, json=bad, headers=admin))) == {
        "json.name", "json.milestones.0.name", "json.milestones.0.actions.0.content.subject",
        "json.milestones.0.actions.0.content.to.0"}


def test_a_body_over_1_mib_is_refused_with_413(client, admin, uow):
    response = client.post(BASE, json=document(description="x" * (1024 * 1024)), headers=admin)
    assert response.status_code == 413 and response.content_type == "application/problem+json"
    assert uow.templates.rows == {}


def test_names_are_unique_per_organization_regardless_of_case(client, admin, test_keys, create):
    create()
    taken = client.post(BASE, json=document(name="standard saas onboarding"), headers=admin)
    assert taken.status_code == 409 and "already exists" in taken.get_json()["detail"]
    other_org = client.post(BASE, json=document(), headers=test_keys.bearer(org="org-2"))
    assert other_org.status_code == 201


def test_only_admins_write_and_every_role_reads(client, test_keys, create):
    template = create()
    for role in ("csm", "ae", "viewer"):
        headers = test_keys.bearer(role=role)
        assert client.post(BASE, json=document(name=role), headers=headers).status_code == 403
        assert client.patch(f"{BASE}/{template['id']}", json={"name": "x"}, headers=headers).status_code == 403
        assert client.get(f"{BASE}/{template['id']}", headers=headers).status_code == 200


def test_another_organization_sees_no_template(client, test_keys, create):
    template = create()
    other = test_keys.bearer(org="org-2")
    assert client.get(f"{BASE}/{template['id']}", headers=other).status_code == 404
    assert client.post(f"{BASE}/{template['id']}/publish", headers=other).status_code == 404
    assert client.get(BASE, headers=other).get_json()["items"] == []


def test_a_stale_if_match_is_refused_with_412(client, admin, create):
    template = create()
    url = f"{BASE}/{template['id']}"
    first = client.patch(url, json={"duration_weeks": 8}, headers={**admin, "If-Match": '"1"'})
    assert first.status_code == 200 and first.headers["ETag"] == '"2"'
    stale = client.patch(url, json={"duration_weeks": 9}, headers={**admin, "If-Match": '"1"'})
    assert stale.status_code == 412 and stale.headers["ETag"] == '"2"'
    assert client.get(url, headers=admin).get_json()["duration_weeks"] == 8
    assert client.patch(url, json={"segment": "x"}, headers={**admin, "If-Match": "v1"}).status_code == 400


def test_milestones_and_actions_are_edited_one_at_a_time(client, admin, create):
    template = create()
    url = f"{BASE}/{template['id']}"
    kickoff = template["milestones"][0]
    added = client.post(f"{url}/milestones", json={"name": "Training", "duration_days": 14, "position": 0},
                        headers=admin)
    assert added.status_code == 201 and added.headers["ETag"] == '"2"'
    training = added.get_json()
    action = client.post(f"{url}/milestones/{training['id']}/actions", headers=admin, json={
        "label": "Book training", "type": "SCHEDULE_MEETING", "content": {"title": "Training for {{company_name}}"}})
    assert action.status_code == 201 and action.get_json()["trigger"] == {"type": "manual"}
    order = client.put(f"{url}/milestone-order", json={"ids": [kickoff["id"], training["id"]]}, headers=admin)
    assert [m["name"] for m in order.get_json()["milestones"]] == ["Kickoff", "Training"]
    renamed = client.patch(f"{url}/milestones/{kickoff['id']}", json={"name": "Kick-off"}, headers=admin)
    assert renamed.get_json()["name"] == "Kick-off" and renamed.get_json()["actions"] == kickoff["actions"]
    moved = client.post(f"{url}/actions/{action.get_json()['id']}/move",
                        json={"milestone_id": kickoff["id"], "position": 0}, headers=admin)
    assert [a["label"] for a in moved.get_json()["milestones"][0]["actions"]] == ["Book training", "Welcome email"]
    bad = client.patch(f"{url}/actions/{kickoff['actions'][0]['id']}",
                       json={"trigger": {"type": "milestone_start", "delay_hours": 721}}, headers=admin)
    assert errors_of(bad) == {"json.trigger.delay_hours": "must be between 0 and 720 (got 721)"}
    assert client.delete(f"{url}/milestones/{training['id']}", headers=admin).status_code == 204
    assert client.delete(f"{url}/milestones/nope", headers=admin).status_code == 404


def test_publish_edit_publish_keeps_revision_1_and_diffs(client, admin, create, uow):
    template = create()
    url = f"{BASE}/{template['id']}"
    first = client.post(f"{url}/publish", headers=admin)
    assert first.status_code == 201 and first.get_json()["number"] == 1
    again = client.post(f"{url}/publish", headers=admin)
    assert again.status_code == 409 and "nothing changed" in again.get_json()["detail"]
    action_id = template["milestones"][0]["actions"][0]["id"]
    client.patch(f"{url}/actions/{action_id}", json={"label": "Kickoff email"}, headers=admin)
    assert client.post(f"{url}/publish", headers=admin).get_json()["number"] == 2
    one = client.get(f"{url}/revisions/1", headers=admin).get_json()
    assert one["snapshot"]["milestones"][0]["actions"][0]["label"] == "Welcome email"
    diff = client.get(f"{url}/diff?from=1&to=2", headers=admin).get_json()
    assert diff["actions"]["changed"] == [{"id": action_id, "label": "Kickoff email", "type": "SEND_EMAIL",
                                           "milestone_id": template["milestones"][0]["id"],
                                           "milestone_name": "Kickoff",
                                           "changes": [{"field": "label", "from": "Welcome email",
                                                        "to": "Kickoff email"}]}]
    listed = client.get(f"{url}/revisions", headers=admin).get_json()
    assert [r["number"] for r in listed["items"]] == [2, 1] and listed["items"][0]["action_count"] == 1
    published = [e for e in uow.published if e.type == "templates.template_published.v1"]
    assert [e.data["revision"] for e in published] == [1, 2]
    assert published[0].data["milestones"][0]["actions"][0]["position"] == 1
    assert client.get(f"{url}/revisions/3", headers=admin).status_code == 404


def test_publishing_an_incomplete_template_names_what_is_missing(client, admin, create):
    template = create(milestones=[{"name": "Kickoff", "actions": [email()]}, {"name": "Go-live"}])
    response = client.post(f"{BASE}/{template['id']}/publish", headers=admin)
    assert errors_of(response) == {"json.milestones.1.actions": "milestone 'Go-live' needs at least one action"}


def test_validate_checks_a_document_without_saving(client, admin, uow):
    ok = client.post(f"{BASE}/validate", json=document(), headers=admin)
    assert ok.status_code == 200 and ok.get_json()["valid"] is True
    bad = client.post(f"{BASE}/validate", json=document(milestones=[]), headers=admin)
    assert errors_of(bad) == {"json.milestones": "a published template needs at least one milestone"}
    assert uow.templates.rows == {}


def test_export_import_export_gives_the_same_file(client, admin, test_keys, create):
    template = create(milestones=[{"name": "Kickoff", "actions": [email(), {
        "label": "Intake", "type": "COLLECT_INFO", "content": {"fields": [
            {"label": "CRM", "type": "dropdown", "options": ["Salesforce", "HubSpot"], "required": True}]}}]}])
    exported = client.get(f"{BASE}/{template['id']}/export", headers=admin)
    assert "attachment" in exported.headers["Content-Disposition"]
    file = exported.get_json()
    assert file["format"] == "stitch.template" and "id" not in file["template"]["milestones"][0]
    other = test_keys.bearer(org="org-2")
    imported = client.post(f"{BASE}/import", json=file, headers=other)
    assert imported.status_code == 201
    again = client.get(f"{BASE}/{imported.get_json()['id']}/export", headers=other).get_json()
    assert again == file
    renamed = client.post(f"{BASE}/import?name=Shared copy", json=file, headers=admin)
    assert renamed.status_code == 201 and renamed.get_json()["name"] == "Shared copy"


def test_import_names_problems_inside_the_file(client, admin):
    response = client.post(f"{BASE}/import", json={"format": "other", "format_version": 2, "template": {}},
                           headers=admin)
    assert set(errors_of(response)) == {"json.format", "json.format_version"}
    bad = client.post(f"{BASE}/import", headers=admin, json={
        "format": "stitch.template", "format_version": 1, "template": document(duration_weeks=0)})
    assert set(errors_of(bad)) == {"json.template.duration_weeks"}


def test_export_of_a_revision_is_the_revision_not_the_draft(client, admin, create):
    template = create()
    url = f"{BASE}/{template['id']}"
    client.post(f"{url}/publish", headers=admin)
    client.patch(url, json={"description": "changed"}, headers=admin)
    assert client.get(f"{url}/export?revision=1", headers=admin).get_json()["template"]["description"] == \
        "For SMB customers"
    assert client.get(f"{url}/export", headers=admin).get_json()["template"]["description"] == "changed"


def test_duplicate_copies_everything_under_a_new_name(client, admin, create):
    template = create()
    copy = client.post(f"{BASE}/{template['id']}/duplicate", json={}, headers=admin).get_json()
    assert copy["name"] == "Standard SaaS Onboarding (copy)" and copy["id"] != template["id"]
    assert [m["name"] for m in copy["milestones"]] == ["Kickoff"]
    assert copy["milestones"][0]["actions"][0]["label"] == "Welcome email"


def test_archive_restore_and_delete(client, admin, create, runtime):
    used, unused = create(name="Used"), create(name="Unused")
    _apply(runtime, used["id"], "account-1")
    assert client.delete(f"{BASE}/{used['id']}", headers=admin).status_code == 409
    archived = client.post(f"{BASE}/{used['id']}/archive", headers=admin).get_json()
    assert archived["status"] == "archived" and archived["usage_count"] == 1
    assert client.patch(f"{BASE}/{used['id']}", json={"name": "x"}, headers=admin).status_code == 409
    assert [t["name"] for t in client.get(BASE, headers=admin).get_json()["items"]] == ["Unused"]
    assert client.post(f"{BASE}/{used['id']}/restore", headers=admin).get_json()["status"] == "active"
    assert client.delete(f"{BASE}/{unused['id']}", headers=admin).status_code == 204
    assert client.get(f"{BASE}/{unused['id']}", headers=admin).status_code == 404


def test_usage_counts_accounts_once_each(runtime, create, client, admin):
    template = create()
    for account in ("a-1", "a-1", "a-2"):
        _apply(runtime, template["id"], account)
    assert client.get(f"{BASE}/{template['id']}", headers=admin).get_json()["usage_count"] == 2


def test_list_searches_filters_sorts_and_pages(client, admin, create):
    create(name="Enterprise Implementation", segment="Enterprise", tags=["enterprise"], duration_weeks=14)
    create(name="Quick Start", segment="SMB, Startup", tags=["smb", "fast"], description="two weeks")
    standard = create(name="Standard SaaS", tags=["smb"])
    client.post(f"{BASE}/{standard['id']}/publish", headers=admin)

    def names(query):
        response = client.get(f"{BASE}?{query}", headers=admin)
        assert response.status_code == 200, response.get_json()
        return [t["name"] for t in response.get_json()["items"]]

    assert names("sort=name") == ["Enterprise Implementation", "Quick Start", "Standard SaaS"]
    assert names("sort=-name") == ["Standard SaaS", "Quick Start", "Enterprise Implementation"]
    assert names("q=TWO%20weeks") == ["Quick Start"]
    assert names("tag=smb&tag=fast") == ["Quick Start"]
    assert names("segment=startup") == ["Quick Start"]
    assert names("published=true") == ["Standard SaaS"]
    assert sorted(names("published=false")) == ["Enterprise Implementation", "Quick Start"]
    first = client.get(f"{BASE}?sort=name&limit=2", headers=admin).get_json()
    rest = client.get(f"{BASE}?sort=name&limit=2&cursor={first['next_cursor']}", headers=admin).get_json()
    assert [t["name"] for t in first["items"] + rest["items"]] == names("sort=name") and rest["next_cursor"] is None
    assert client.get(f"{BASE}?sort=colour", headers=admin).status_code == 422
    assert client.get(f"{BASE}?cursor=bm90IGEgY3Vyc29y", headers=admin).status_code == 422


def test_generate_returns_a_valid_draft_and_refuses_empty_or_huge_descriptions(client, admin, uow):
    response = client.post(f"{BASE}/generate", headers=admin, json={
        "description": "Enterprise customers: kickoff, SSO setup, Salesforce integration, training, go-live in 12 weeks"})
    assert response.status_code == 200
    draft = response.get_json()
    assert draft["generator"] == {"name": "offline", "version": "1"} and draft["publishable"]
    assert client.post(f"{BASE}/validate", json=draft["template"], headers=admin).status_code == 200
    assert uow.templates.rows == {}
    assert set(errors_of(client.post(f"{BASE}/generate", json={"description": "  "}, headers=admin))) == {
        "json.description"}
    assert set(errors_of(client.post(f"{BASE}/generate", json={"description": "x" * 4001}, headers=admin))) == {
        "json.description"}


def test_merge_fields_are_listed_for_the_editor(client, test_keys):
    body = client.get("/api/templates/merge-fields", headers=test_keys.bearer(role="viewer")).get_json()
    assert {"company_name", "portal_link", "csm_name"} <= {f["name"] for f in body["items"]}
    assert "primary_contact" in {r["name"] for r in body["recipients"]}


def _apply(runtime, template_id, account_id):
    """Stand-in for accounts.template_applied.v1 (the accounts issue publishes it; docs/events)."""
    from stitch.common.envelope import new_event

    event = new_event("accounts", "accounts.template_applied.v1",
                      {"template_id": template_id, "account_id": account_id, "revision_id": None,
                       "applied_at": "2026-11-22T10:00:00+00:00"}, "org-1")
    unit = runtime.uow()
    with unit:
        unit.set_org(event.orgid)
        runtime.event_handlers["accounts.template_applied.v1"](event, unit)
        unit.commit()


def test_publish_and_lifecycle_answers_carry_the_new_etag_and_honour_if_match(client, admin, create):
    template = create()
    url = f"{BASE}/{template['id']}"
    published = client.post(f"{url}/publish", headers={**admin, "If-Match": '"1"'})
    assert published.status_code == 201 and published.headers["ETag"] == '"2"'
    assert client.post(f"{url}/archive", headers={**admin, "If-Match": '"1"'}).status_code == 412
    archived = client.post(f"{url}/archive", headers={**admin, "If-Match": '"2"'})
    assert archived.status_code == 200 and archived.headers["ETag"] == '"3"'
    assert client.post(f"{url}/restore", headers={**admin, "If-Match": '"2"'}).status_code == 412


def test_duplicating_again_numbers_the_copies(client, admin, create):
    template = create()
    names = [client.post(f"{BASE}/{template['id']}/duplicate", json={}, headers=admin).get_json()["name"]
             for _ in range(3)]
    assert names == ["Standard SaaS Onboarding (copy)", "Standard SaaS Onboarding (copy 2)",
                     "Standard SaaS Onboarding (copy 3)"]


def test_validate_names_content_and_publish_problems_together(client, admin):
    response = client.post(f"{BASE}/validate", headers=admin, json=document(
        name="", milestones=[{"name": "Kickoff", "actions": [email()]}, {"name": "Go-live", "actions": []}]))
    assert errors_of(response) == {"json.name": "must not be blank",
                                   "json.milestones.1.actions": "milestone 'Go-live' needs at least one action"}


def test_an_item_that_is_not_an_object_gets_one_complaint(client, admin):
    response = client.post(f"{BASE}/validate", headers=admin, json=document(milestones=[{"name": "M", "actions": [7]}]))
    assert errors_of(response) == {"json.milestones.0.actions.0": "must be an object"}


@pytest.mark.parametrize("path", [
    "/revisions/99999999999999999999", "/export?revision=99999999999999999999",
    "/diff?from=1&to=99999999999999999999", "/revisions?cursor=WyJcdTAwYjIiXQ",  # ["²"]
])
def test_out_of_range_numbers_and_odd_cursors_are_client_errors(client, admin, create, path):
    template = create()
    assert client.get(f"{BASE}/{template['id']}{path}", headers=admin).status_code in (404, 422)

