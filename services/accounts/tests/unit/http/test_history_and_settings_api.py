"""An account's history a page at a time, and the organization's engine settings."""

from __future__ import annotations

import pytest

BASE = "/api/accounts/accounts"
SETTINGS = "/api/accounts/settings"


def test_history_says_what_happened_and_who_did_it(client, headers, create):
    account = create()
    url = f"{BASE}/{account['id']}"
    kickoff = account["milestones"][0]["id"]
    client.post(f"{url}/milestones/{kickoff}/start", headers=headers("csm"))
    everything = client.get(f"{url}/history?limit=200", headers=headers("viewer")).get_json()
    kinds = {e["kind"] for e in everything["items"]}
    assert {"account_created", "contact_added", "csm_assigned", "template_applied", "milestone_started"} <= kinds
    assert everything["next_cursor"] is None
    started = next(e for e in everything["items"] if e["kind"] == "milestone_started")
    assert (started["actor"], started["milestone_id"]) == ("user-csm", kickoff)


def test_history_pages_follow_the_cursor_in_the_order_things_happened(client, headers, create, clock):
    account = create()
    url = f"{BASE}/{account['id']}"
    clock.advance(minutes=5)
    client.post(f"{url}/milestones/{account['milestones'][0]['id']}/start", headers=headers())
    everything = client.get(f"{url}/history", headers=headers()).get_json()["items"]
    seen, cursor = [], None
    while True:
        page = client.get(f"{url}/history?limit=2" + (f"&cursor={cursor}" if cursor else ""), headers=headers())
        assert page.status_code == 200 and len(page.get_json()["items"]) <= 2
        seen += page.get_json()["items"]
        cursor = page.get_json()["next_cursor"]
        if not cursor:
            break
    assert seen == everything and len(seen) > 4
    assert [e["number"] for e in seen] == list(range(1, len(seen) + 1))
    started = [e["kind"] for e in seen].index("milestone_started")  # one command, one instant, in order
    assert [e["kind"] for e in seen][started:started + 2] == ["milestone_started", "draft_requested"]


def test_an_action_has_its_own_history(client, headers, create, runtime):
    account = create()
    url = f"{BASE}/{account['id']}"
    client.post(f"{url}/milestones/{account['milestones'][0]['id']}/start", headers=headers())
    runtime.use_cases["run_due_jobs"]()
    email = account["milestones"][0]["actions"][0]
    history = client.get(f"{url}/actions/{email['id']}/history", headers=headers()).get_json()["items"]
    assert {e["action_id"] for e in history} == {email["id"]}
    assert [e["kind"] for e in history] == ["draft_requested", "draft_written", "action_ready"]
    assert client.get(f"{url}/actions/nothing/history", headers=headers()).status_code == 404


@pytest.mark.parametrize("cursor", ["not-a-cursor", "WyJ4Il0", "WyJ5ZXN0ZXJkYXkiLCAiMSJd"])
def test_a_cursor_this_api_did_not_issue_is_a_422(client, headers, create, cursor):
    account = create()
    response = client.get(f"{BASE}/{account['id']}/history?cursor={cursor}", headers=headers())
    assert response.status_code == 422 and response.get_json()["errors"][0]["name"] == "query.cursor"


def test_settings_are_read_by_all_and_changed_by_admins(client, headers):
    shown = client.get(SETTINGS, headers=headers("viewer"))
    assert shown.status_code == 200 and shown.headers["ETag"] == '"0"'
    assert shown.get_json() == {"review_portal_tasks": False, "auto_send": [], "version": 0, "updated_at": None,
                                "updated_by": None}
    assert client.patch(SETTINGS, json={"review_portal_tasks": True}, headers=headers("csm")).status_code == 403
    changed = client.patch(SETTINGS, json={"auto_send": ["SLACK", "SEND_EMAIL"]},
                           headers=headers(**{"If-Match": '"0"'}))
    body = changed.get_json()
    assert changed.status_code == 200 and changed.headers["ETag"] == '"1"'
    assert (body["auto_send"], body["review_portal_tasks"], body["updated_by"]) == (
        ["SEND_EMAIL", "SLACK"], False, "user-admin")
    stale = client.patch(SETTINGS, json={"review_portal_tasks": True}, headers=headers(**{"If-Match": '"0"'}))
    assert stale.status_code == 412 and stale.headers["ETag"] == '"1"'
    assert client.get(SETTINGS, headers=headers(org="org-2")).get_json()["auto_send"] == []


@pytest.mark.parametrize("body, field", [
    ({"auto_send": ["COLLECT_INFO"]}, "json.auto_send"),
    ({"review_portal_tasks": "sometimes"}, "json.review_portal_tasks"),
    ({"auto_approve": True}, "json.auto_approve"),
])
def test_settings_name_what_they_refuse(client, headers, body, field):
    response = client.patch(SETTINGS, json=body, headers=headers())
    assert response.status_code == 422 and field in {e["name"] for e in response.get_json()["errors"]}
    assert client.get(SETTINGS, headers=headers()).get_json()["version"] == 0


def test_held_portal_tasks_wait_for_execute(client, headers, create):
    client.patch(SETTINGS, json={"review_portal_tasks": True}, headers=headers())
    account = create()
    url = f"{BASE}/{account['id']}"
    started = client.post(f"{url}/milestones/{account['milestones'][0]['id']}/start", headers=headers()).get_json()
    form = started["milestones"][0]["actions"][1]
    assert form["state"] == "ready" and form["operations"] == ["execute", "skip"]
    released = client.post(f"{url}/actions/{form['id']}/execute", headers=headers()).get_json()
    assert released["milestones"][0]["actions"][1]["state"] == "executed"
