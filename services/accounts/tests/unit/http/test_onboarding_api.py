"""The onboarding engine over HTTP: the happy path, the plan's refusals (409 naming the rule),
and that a refused request leaves everything as it was."""

from __future__ import annotations

import pytest

BASE = "/api/accounts/accounts"


def by_label(account: dict) -> dict[str, dict]:
    return {a["label"]: a for m in account["milestones"] for a in m["actions"]}


def conflict(response) -> dict:
    assert response.status_code == 409 and response.content_type == "application/problem+json", response.get_json()
    return response.get_json()


def test_an_account_runs_from_creation_to_delivery(client, headers, create, runtime, uow):
    account = create()
    url = f"{BASE}/{account['id']}"
    assert account["revision_number"] == 1 and account["primary_csm_id"] == "user-csm"
    kickoff = account["milestones"][0]
    assert kickoff["operations"] == ["start", "block"]

    started = client.post(f"{url}/milestones/{kickoff['id']}/start", headers=headers("csm"))
    assert started.status_code == 200 and started.headers["ETag"] == '"2"'
    actions = by_label(started.get_json())
    assert actions["Welcome email"]["state"] == "review_pending"
    assert actions["Setup questionnaire"]["state"] == "executed"  # delay 0: published at once
    assert actions["Kickoff call"]["operations"] == ["start", "skip", "edit", "remove"]

    assert runtime.use_cases["run_due_jobs"]() == 1  # the drafter writes the welcome email
    email = by_label(client.get(url, headers=headers("csm")).get_json())["Welcome email"]
    assert email["state"] == "ready" and email["operations"] == ["execute", "edit_draft", "redraft", "skip"]
    assert email["draft"]["number"] == 1 and "{{" not in email["draft"]["fields"]["body"]

    edited = client.patch(f"{url}/actions/{email['id']}/draft", json={"subject": "Welcome aboard, Jo"},
                          headers=headers("csm"))
    draft = by_label(edited.get_json())["Welcome email"]["draft"]
    assert edited.status_code == 200 and draft["edited"] and draft["fields"]["subject"] == "Welcome aboard, Jo"

    executed = client.post(f"{url}/actions/{email['id']}/execute", headers=headers("csm"))
    email = by_label(executed.get_json())["Welcome email"]
    assert executed.status_code == 200 and email["state"] == "executing" and email["operations"] == []
    [request] = [e for e in uow.published if e.type == "accounts.delivery_requested.v1"]
    assert request.data["email"]["subject"] == "Welcome aboard, Jo"
    assert executed.headers["ETag"] == f'"{executed.get_json()["version"]}"'


def test_the_staff_view_shows_every_field(client, headers, create):
    account = create(notes="Wants SSO first", custom_fields={"tier": "gold"}, arr=12000.5, close_date="2026-11-01")
    shown = client.get(f"{BASE}/{account['id']}", headers=headers("viewer"))
    body = shown.get_json()
    assert shown.status_code == 200 and shown.headers["ETag"] == '"1"'
    assert (body["notes"], body["custom_fields"], body["arr"], body["close_date"]) == (
        "Wants SSO first", {"tier": "gold"}, "12000.50", "2026-11-01")
    assert body["status"] == "active" and body["archived"] is False and body["applied_at"]
    milestone = body["milestones"][0]
    assert {"planned_start", "target_date", "started_at", "block_note", "overdue"} <= set(milestone)
    assert milestone["overdue"] is False  # target date in 2026-11 counts from the fake clock's now
    action = milestone["actions"][0]
    assert action["trigger"] == {"type": "milestone_start", "delay_hours": 0}
    assert action["visibility"]["portal"]["label"] == "Welcome from your onboarding team"
    assert action["draft"] is None and action["content"]["to"] == ["primary_contact"]
    assert [c["is_primary"] for c in body["contacts"]] == [True]


def test_completing_a_milestone_with_an_open_blocker_names_it(client, headers, create, uow):
    account = create()
    url, kickoff = f"{BASE}/{account['id']}", account["milestones"][0]["id"]
    client.post(f"{url}/milestones/{kickoff}/start", headers=headers())
    problem = conflict(client.post(f"{url}/milestones/{kickoff}/complete", headers=headers()))
    assert problem["rule"] == "milestone.complete.open_blockers" and "Setup questionnaire" in problem["detail"]
    assert [b["label"] for b in problem["blockers"]] == ["Setup questionnaire"]


def test_a_pending_action_cannot_be_executed(client, headers, create):
    account = create()
    call = by_label(account)["Kickoff call"]
    problem = conflict(client.post(f"{BASE}/{account['id']}/actions/{call['id']}/execute", headers=headers()))
    assert problem["rule"] == "action.execute.not_ready" and problem["state"] == "pending"


def test_reapplying_a_template_needs_confirm_reset(client, headers, create, seeded):
    account = create()
    url = f"{BASE}/{account['id']}/template"
    problem = conflict(client.post(url, json={"template_id": seeded.template_id}, headers=headers()))
    assert problem["rule"] == "account.reapply.needs_confirmation" and problem["revision"] == 1
    reset = client.post(url, json={"template_id": seeded.template_id, "confirm_reset": True}, headers=headers())
    assert reset.status_code == 200 and reset.get_json()["milestones"][0]["id"] != account["milestones"][0]["id"]


@pytest.mark.parametrize("method, path, body", [
    ("POST", "milestones/{kickoff}/complete", None),
    ("POST", "actions/{call}/execute", None),
    ("POST", "template", {"template_id": "{template}"}),
    ("POST", "milestones/{kickoff}/block", {"note": "  "}),
    ("PATCH", "actions/{call}/draft", {"subject": "x"}),
    ("POST", "actions/{call}/reschedule", {"delay_hours": 3}),
    ("POST", "contacts", {"name": "Jo again", "email": "JO@acme.test"}),
])
def test_a_refused_request_changes_nothing(client, headers, create, seeded, uow, method, path, body):
    account = create()
    url = f"{BASE}/{account['id']}"
    ids = {"kickoff": account["milestones"][0]["id"], "call": by_label(account)["Kickoff call"]["id"],
           "template": seeded.template_id}
    before, published = client.get(url, headers=headers()).get_json(), len(uow.published)
    filled = {k: v.format(**ids) if isinstance(v, str) else v for k, v in body.items()} if body else None
    response = client.open(f"{url}/{path.format(**ids)}", method=method, json=filled, headers=headers())
    assert response.status_code in (409, 422), response.get_json()
    assert client.get(url, headers=headers()).get_json() == before and len(uow.published) == published


def test_milestones_block_and_unblock(client, headers, create):
    account = create()
    url, kickoff = f"{BASE}/{account['id']}", account["milestones"][0]["id"]
    blocked = client.post(f"{url}/milestones/{kickoff}/block", json={"note": "Waiting for the DPA"}, headers=headers())
    milestone = blocked.get_json()["milestones"][0]
    assert (milestone["state"], milestone["block_note"], milestone["operations"]) == (
        "blocked", "Waiting for the DPA", ["unblock"])
    unblocked = client.post(f"{url}/milestones/{kickoff}/unblock", headers=headers()).get_json()["milestones"][0]
    assert (unblocked["state"], unblocked["block_note"]) == ("pending", None)
    missing = client.post(f"{url}/milestones/{kickoff}/block", json={}, headers=headers())
    assert missing.status_code == 422 and [e["name"] for e in missing.get_json()["errors"]] == ["json.note"]
    blank = client.post(f"{url}/milestones/{kickoff}/block", json={"note": " "}, headers=headers())
    assert [e["name"] for e in blank.get_json()["errors"]] == ["json.note"]


def test_actions_are_added_edited_and_removed_on_one_account(client, headers, create):
    account = create()
    url, setup = f"{BASE}/{account['id']}", account["milestones"][1]["id"]
    added = client.post(f"{url}/milestones/{setup}/actions", headers=headers("csm"), json={
        "label": "Security review", "type": "SEND_EMAIL", "trigger": {"type": "milestone_start", "delay_hours": 48},
        "content": {"subject": "Security review for {{company_name}}", "body": "Hi {{contact_first_name}}"}})
    assert added.status_code == 201 and added.headers["ETag"] == '"2"'
    action_id = added.headers["Location"].rsplit("/", 1)[1]
    action = by_label(added.get_json())["Security review"]
    assert action["id"] == action_id and action["template_action_id"] is None
    assert action["operations"] == ["reschedule", "skip", "edit", "remove"]  # its milestone has not started

    edited = client.patch(f"{url}/actions/{action_id}", json={"label": "Security questionnaire"}, headers=headers())
    assert by_label(edited.get_json())["Security questionnaire"]["trigger"]["delay_hours"] == 48
    bad = client.patch(f"{url}/actions/{action_id}", json={"trigger": {"type": "milestone_start", "delay_hours": 999}},
                       headers=headers())
    assert bad.status_code == 422 and [e["name"] for e in bad.get_json()["errors"]] == ["json.trigger.delay_hours"]
    rescheduled = client.post(f"{url}/actions/{action_id}/reschedule", json={"delay_hours": 2}, headers=headers())
    assert by_label(rescheduled.get_json())["Security questionnaire"]["trigger"]["delay_hours"] == 2

    removed = client.delete(f"{url}/actions/{action_id}", headers=headers())
    assert removed.status_code == 200 and "Security questionnaire" not in by_label(removed.get_json())
    assert client.delete(f"{url}/actions/{action_id}", headers=headers()).status_code == 404


def test_scheduled_actions_can_run_now_be_skipped_redrafted_and_completed(client, headers, create, runtime, clock):
    account = create()
    url = f"{BASE}/{account['id']}"
    kickoff, setup = account["milestones"][0]["id"], account["milestones"][1]["id"]
    client.post(f"{url}/milestones/{kickoff}/start", headers=headers())
    client.post(f"{url}/milestones/{kickoff}/block", json={"note": "x"}, headers=headers())
    client.post(f"{url}/milestones/{kickoff}/unblock", headers=headers())
    started = client.post(f"{url}/milestones/{setup}/start", headers=headers()).get_json()
    dpa = by_label(started)["Signed DPA"]
    assert dpa["due_at"] and dpa["operations"] == ["execute_now", "reschedule", "skip", "edit", "remove"]
    at = clock.advance(hours=1).replace(microsecond=0).isoformat()
    later = client.post(f"{url}/actions/{dpa['id']}/reschedule", json={"at": at}, headers=headers())
    assert later.status_code == 422 and later.get_json()["errors"][0]["name"] == "json.at"  # not in the future
    now = client.post(f"{url}/actions/{dpa['id']}/start", headers=headers()).get_json()
    assert by_label(now)["Signed DPA"]["state"] == "executed"
    done = client.post(f"{url}/actions/{dpa['id']}/complete", headers=headers()).get_json()
    assert by_label(done)["Signed DPA"]["state"] == "completed" and by_label(done)["Signed DPA"]["operations"] == []

    runtime.use_cases["run_due_jobs"]()
    slack = by_label(client.get(url, headers=headers()).get_json())["Tell the team setup started"]
    assert slack["operations"] == ["execute", "edit_draft", "redraft", "skip", "complete"]
    redraft = client.post(f"{url}/actions/{slack['id']}/redraft", json={"instructions": "Shorter"}, headers=headers())
    assert by_label(redraft.get_json())["Tell the team setup started"]["state"] == "review_pending"
    skipped = client.post(f"{url}/actions/{slack['id']}/skip", json={"reason": "Posted by hand"}, headers=headers())
    assert by_label(skipped.get_json())["Tell the team setup started"]["state"] == "skipped"


def test_a_draft_takes_only_the_fields_of_its_type(client, headers, create, runtime):
    account = create()
    url = f"{BASE}/{account['id']}"
    client.post(f"{url}/milestones/{account['milestones'][0]['id']}/start", headers=headers())
    runtime.use_cases["run_due_jobs"]()
    email = by_label(account)["Welcome email"]
    wrong = client.patch(f"{url}/actions/{email['id']}/draft", json={"channel": "#general", "to": 7},
                         headers=headers())
    assert wrong.status_code == 422 and {e["name"] for e in wrong.get_json()["errors"]} == {"json.to"}
    wrong = client.patch(f"{url}/actions/{email['id']}/draft", json={"channel": "#general"}, headers=headers())
    assert [e["name"] for e in wrong.get_json()["errors"]] == ["json.channel"]


def test_a_rule_detail_never_overwrites_a_problem_member(client, headers, create, runtime):
    account = create()
    url = f"{BASE}/{account['id']}"
    client.post(f"{url}/milestones/{account['milestones'][0]['id']}/start", headers=headers())
    started = client.post(f"{url}/milestones/{account['milestones'][1]['id']}/start", headers=headers())
    runtime.use_cases["run_due_jobs"]()
    slack = by_label(started.get_json())["Tell the team setup started"]
    problem = conflict(client.post(f"{url}/actions/{slack['id']}/execute", headers=headers()))
    assert problem["rule"] == "action.execute.no_connection" and "Slack" in problem["detail"]
    assert problem["type"] == "about:blank" and problem["action_type"] == "SLACK"
