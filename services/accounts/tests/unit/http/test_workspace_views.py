"""The CSM's workspace on one account over HTTP: the implementation view (countdowns by the
service's clock, draft previews, errors in plain words, operations, the caller's access), the
timeline (dates, block notes, lateness, progress) and the history's plain words."""

from __future__ import annotations

from datetime import datetime, timedelta

from stitch.accounts.application.ports import StaffUser
from stitch.common.envelope import new_event

BASE = "/api/accounts/accounts"
ORG = "org-1"
LATER = {"label": "Two-day check-in", "type": "SEND_EMAIL", "trigger": {"type": "milestone_start", "delay_hours": 48},
         "content": {"subject": "How is it going?", "body": "Any questions so far?"}}


def by_label(view: dict) -> dict[str, dict]:
    return {a["label"]: a for m in view["milestones"] for a in m["actions"]}


def started(client, headers, create, clock) -> tuple[str, dict]:
    """An account whose first milestone started at the clock's now, with an action due 48 h later."""
    account = create()
    url = f"{BASE}/{account['id']}"
    kickoff = account["milestones"][0]["id"]
    assert client.post(f"{url}/milestones/{kickoff}/start", headers=headers("csm")).status_code == 200
    added = client.post(f"{url}/milestones/{kickoff}/actions", json=LATER, headers=headers("csm"))
    assert added.status_code == 201, added.get_json()
    return url, account


def test_a_scheduled_action_counts_down_by_the_service_clock(client, headers, create, clock):
    start = clock()
    url, _ = started(client, headers, create, clock)
    clock.advance(hours=2)
    shown = client.get(f"{url}/implementation", headers=headers("viewer"))
    check_in = by_label(shown.get_json())["Two-day check-in"]
    assert shown.status_code == 200 and shown.get_json()["as_of"] == clock().isoformat()
    assert datetime.fromisoformat(check_in["due_at"]) == start + timedelta(hours=48)
    assert check_in["due_in_seconds"] == 46 * 3600 and check_in["state"] == "pending"
    assert check_in["operations"] == []  # a viewer reads: nothing is offered
    assert check_in["trigger"] == {"type": "milestone_start", "delay_hours": 48}
    as_owner = by_label(client.get(f"{url}/implementation", headers=headers("csm")).get_json())["Two-day check-in"]
    assert as_owner["operations"] == ["execute_now", "reschedule", "skip", "edit", "remove"]

    clock.advance(hours=47)  # the scheduler has not run yet: late by an hour
    late = by_label(client.get(f"{url}/implementation", headers=headers()).get_json())["Two-day check-in"]
    assert late["due_in_seconds"] == -3600


def test_a_ready_draft_is_previewed_with_what_it_allows(client, headers, create, clock, runtime):
    url, account = started(client, headers, create, clock)
    clock.advance(minutes=3)
    runtime.use_cases["run_due_jobs"]()  # the welcome email's draft is written now
    view = client.get(f"{url}/implementation", headers=headers("csm"))
    body = view.get_json()
    email = by_label(body)["Welcome email"]
    assert view.headers["ETag"] == f'"{body["version"]}"' and body["version"] == account["version"] + 3
    assert (body["account_id"], body["company_name"], body["access"]) == (account["id"], "Acme", "own")
    assert email["state"] == "ready" and email["ready_since"] == clock().isoformat()
    assert email["operations"] == ["execute", "edit_draft", "redraft", "skip"]
    assert email["draft"]["number"] == 1 and email["draft"]["headline"].startswith("Welcome to Northwind")
    assert email["draft"]["excerpt"].startswith("Hi Jo, I'm Casey") and "\n" not in email["draft"]["excerpt"]
    assert email["due_in_seconds"] is None and email["last_error"] is None and email["warnings"] == []
    kickoff = body["milestones"][0]
    assert (kickoff["state"], kickoff["operations"]) == ("in_progress", ["complete", "block"])
    assert [a["label"] for a in kickoff["actions"]] == ["Welcome email", "Setup questionnaire", "Kickoff call",
                                                        "Two-day check-in"]


def test_a_failed_delivery_reads_in_plain_words(client, headers, create, clock, runtime, uow):
    url, _ = started(client, headers, create, clock)
    runtime.use_cases["run_due_jobs"]()
    email = by_label(client.get(f"{url}/implementation", headers=headers()).get_json())["Welcome email"]
    client.post(f"{url}/actions/{email['id']}/execute", headers=headers("csm"))
    [request] = [e for e in uow.published if e.type == "accounts.delivery_requested.v1"]
    failed = new_event("connectors", "connectors.delivery_failed.v1", {
        "request_id": request.data["request_id"], "account_id": request.data["account_id"],
        "action_id": email["id"], "channel": "email", "failed_at": clock().isoformat(),
        "error": {"code": "timeout", "message": "The mail server did not answer.", "retryable": True}}, ORG)
    with uow:
        runtime.event_handlers["connectors.delivery_failed.v1"](failed, uow)
        uow.commit()

    words = "Could not send “Welcome email”: The mail server did not answer (retrying may help)"
    email = by_label(client.get(f"{url}/implementation", headers=headers()).get_json())["Welcome email"]
    assert email["state"] == "ready" and email["last_error"]["text"] == words
    assert email["last_error"]["code"] == "timeout"
    history = client.get(f"{url}/actions/{email['id']}/history", headers=headers("viewer")).get_json()["items"]
    assert history[-1]["kind"] == "delivery_failed" and history[-1]["text"] == words


def test_the_account_history_names_things_as_the_account_calls_them(client, headers, create, clock):
    url, account = started(client, headers, create, clock)
    items = client.get(f"{url}/history?limit=200", headers=headers("viewer")).get_json()["items"]
    texts = {entry["kind"]: entry["text"] for entry in items}
    assert texts["milestone_started"] == "Milestone “Welcome & kickoff” started"
    assert texts["contact_added"] == "Contact Jo Doe added as the primary contact"
    assert texts["action_added"] == "“Two-day check-in” added to milestone “Welcome & kickoff”"
    assert texts["template_applied"] == "Template “Standard onboarding” (revision 1) applied"
    assert all(entry["text"] for entry in items)


def test_the_callers_access_is_shown(client, headers, create, uow, clock, test_keys):
    account = create()
    with uow:
        uow.staff.upsert(ORG, StaffUser("user-pat", "Pat Lee", "pat@northwind.test", "csm", True), clock())
        uow.commit()
    url = f"{BASE}/{account['id']}"
    assert client.post(f"{url}/collaborators", json={"user_id": "user-pat"}, headers=headers("csm")).status_code == 200

    def access(**token) -> str:
        return client.get(f"{url}/implementation", headers=test_keys.bearer(org=ORG, **token)).get_json()["access"]

    assert access(role="csm", sub="user-csm") == "own"
    assert access(role="csm", sub="user-pat") == "collaborate"
    assert access(role="csm", sub="user-other") == "read"
    assert access(role="viewer", sub="user-viewer") == "read"
    assert access(role="admin", sub="user-admin") == "own"  # oversees every account
    assert access(role="viewer", sub="user-csm") == "read"  # the owner's id with a viewer's token: reads only

    def offered(sub: str) -> tuple[set[str], set[str]]:
        body = client.get(f"{url}/implementation", headers=test_keys.bearer(org=ORG, role="csm", sub=sub)).get_json()
        return ({op for m in body["milestones"] for op in m["operations"]},
                {op for m in body["milestones"] for a in m["actions"] for op in a["operations"]})

    owner_milestones, owner_actions = offered("user-csm")
    assert "start" in owner_milestones and {"edit", "remove"} <= owner_actions
    helper_milestones, helper_actions = offered("user-pat")  # works actions, not the plan
    assert helper_milestones == set() and helper_actions and not {"edit", "remove"} & helper_actions
    assert offered("user-other") == (set(), set())


def test_the_timeline_shows_dates_blocks_lateness_and_progress(client, headers, create, clock):
    account = create()
    url = f"{BASE}/{account['id']}"
    kickoff, setup = account["milestones"][0]["id"], account["milestones"][1]["id"]
    start = clock()
    client.post(f"{url}/milestones/{kickoff}/start", headers=headers("csm"))
    client.post(f"{url}/milestones/{setup}/block", json={"note": "Waiting on the signed DPA"}, headers=headers("csm"))
    clock.advance(days=7, hours=3)  # kickoff's target was start + 7 days
    shown = client.get(f"{url}/timeline", headers=headers("viewer"))
    timeline = shown.get_json()
    first, second = timeline["milestones"]
    assert shown.status_code == 200 and shown.headers["ETag"] == f'"{timeline["version"]}"'
    assert (first["state"], first["overdue"], first["days_late"]) == ("in_progress", True, 1)
    assert datetime.fromisoformat(first["started_at"]) == start
    assert datetime.fromisoformat(first["target_date"]) == start + timedelta(days=7)
    assert (second["state"], second["block_note"], second["overdue"], second["days_late"]) == (
        "blocked", "Waiting on the signed DPA", False, None)
    assert datetime.fromisoformat(second["planned_start"]) == start + timedelta(days=7)
    assert first["progress"] == {"done": 0, "total": 3, "percent": 0}
    assert timeline["current_milestone_id"] == kickoff

    # Done three days late: the kickoff keeps its lateness, no longer overdue.
    actions = {a["label"]: a["id"] for a in account["milestones"][0]["actions"]}
    client.post(f"{url}/actions/{actions['Setup questionnaire']}/complete", headers=headers("csm"))
    client.post(f"{url}/actions/{actions['Kickoff call']}/skip", json={}, headers=headers("csm"))
    clock.advance(days=2, hours=21)
    done = client.post(f"{url}/milestones/{kickoff}/complete", headers=headers("csm"))
    assert done.status_code == 200, done.get_json()
    first = client.get(f"{url}/timeline", headers=headers()).get_json()["milestones"][0]
    assert (first["state"], first["overdue"], first["days_late"]) == ("completed", False, 3)
    assert first["completed_at"] == clock().isoformat()
    assert first["progress"] == {"done": 2, "total": 3, "percent": 67}
    assert client.get(f"{url}/timeline", headers=headers()).get_json()["progress"] == {
        "done": 2, "total": 6, "percent": 33}


def test_another_orgs_account_is_not_found(client, headers, create):
    account = create()
    for view in ("implementation", "timeline", "history"):
        assert client.get(f"{BASE}/{account['id']}/{view}", headers=headers(org="org-2")).status_code == 404
    assert client.get(f"{BASE}/nothing/implementation", headers=headers()).status_code == 404


def test_an_archived_account_offers_no_operations(client, headers, create):
    account = create()
    url = f"{BASE}/{account['id']}"
    client.post(f"{url}/archive", json={"reason": "Lost"}, headers=headers("csm"))
    view = client.get(f"{url}/implementation", headers=headers("csm")).get_json()
    assert view["archived"] is True
    assert all(m["operations"] == [] and all(a["operations"] == [] for a in m["actions"]) for m in view["milestones"])
