"""Handoff forms over fakes: several per org, versioned questions, admin-only writes."""

from __future__ import annotations

BASE = "/api/templates/handoff-forms"
QUESTIONS = [
    {"text": "What is the primary use case?", "type": "textarea", "required": True},
    {"text": "Which tools must we integrate?", "type": "multi_select", "options": ["Salesforce", "HubSpot", "Slack"]},
    {"text": "Is SSO required?", "type": "yes_no"},
]


def test_publishing_versions_keeps_old_wording(client, test_keys, uow):
    admin = test_keys.bearer()
    created = client.post(BASE, json={"name": "Enterprise Handoff", "questions": QUESTIONS}, headers=admin)
    assert created.status_code == 201
    form = created.get_json()
    assert form["questions"][1]["type"] == "multiple_choice" and form["questions"][1]["allow_multiple"] is True
    first = client.post(f"{BASE}/{form['id']}/publish", headers=admin).get_json()
    questions = [dict(q) for q in form["questions"]]
    questions[0]["text"] = "What problem are they solving first?"
    changed = client.patch(f"{BASE}/{form['id']}", json={"questions": questions}, headers=admin).get_json()
    assert [q["id"] for q in changed["questions"]] == [q["id"] for q in form["questions"]]
    second = client.post(f"{BASE}/{form['id']}/publish", headers=admin).get_json()
    assert (first["number"], second["number"]) == (1, 2)
    old = client.get(f"{BASE}/{form['id']}/versions/1", headers=test_keys.bearer(role="ae")).get_json()
    assert old["questions"][0]["text"] == "What is the primary use case?"
    assert [e.data["version"] for e in uow.published if e.type == "templates.handoff_form_published.v1"] == [1, 2]
    versions = client.get(f"{BASE}/{form['id']}/versions", headers=admin).get_json()
    assert [v["number"] for v in versions["items"]] == [2, 1]


def test_several_forms_with_unique_names_and_only_admins_write(client, test_keys):
    admin = test_keys.bearer()
    for name in ("Enterprise Handoff", "SMB Quick Handoff"):
        assert client.post(BASE, json={"name": name, "questions": QUESTIONS}, headers=admin).status_code == 201
    assert client.post(BASE, json={"name": "smb quick handoff"}, headers=admin).status_code == 409
    assert client.post(BASE, json={"name": "Mine"}, headers=test_keys.bearer(role="ae")).status_code == 403
    listed = client.get(BASE, headers=test_keys.bearer(role="viewer")).get_json()
    assert [f["name"] for f in listed["items"]] == ["Enterprise Handoff", "SMB Quick Handoff"]


def test_bad_questions_are_named(client, test_keys, uow):
    response = client.post(BASE, headers=test_keys.bearer(), json={"name": "F", "questions": [
        {"text": "", "type": "text"}, {"text": "Pick", "type": "multiple_choice"},
        {"text": "Sure?", "type": "yes_no", "placeholder": "yes"}, {"text": "x", "type": "rating"}]})
    assert response.status_code == 422
    assert {e["name"] for e in response.get_json()["errors"]} == {
        "json.questions.0.text", "json.questions.1.options", "json.questions.2.placeholder", "json.questions.3.type"}
    assert uow.handoff_forms.rows == {}


def test_an_empty_form_cannot_be_published_and_archived_forms_are_read_only(client, test_keys):
    admin = test_keys.bearer()
    form = client.post(BASE, json={"name": "Empty"}, headers=admin).get_json()
    assert client.post(f"{BASE}/{form['id']}/publish", headers=admin).status_code == 422
    assert client.post(f"{BASE}/{form['id']}/archive", headers=admin).get_json()["status"] == "archived"
    assert client.patch(f"{BASE}/{form['id']}", json={"name": "X"}, headers=admin).status_code == 409
    assert client.get(BASE, headers=admin).get_json()["items"] == []
    assert client.get(f"{BASE}?status=archived", headers=admin).get_json()["items"][0]["name"] == "Empty"


def test_archive_and_restore_honour_if_match(client, test_keys):
    admin = test_keys.bearer()
    form = client.post(BASE, json={"name": "F", "questions": QUESTIONS}, headers=admin)
    assert client.post(f"{BASE}/{form.get_json()['id']}/archive", headers={**admin, "If-Match": '"7"'}).status_code == 412
    archived = client.post(f"{BASE}/{form.get_json()['id']}/archive", headers={**admin, "If-Match": form.headers["ETag"]})
    assert archived.status_code == 200 and archived.headers["ETag"] == '"2"'
