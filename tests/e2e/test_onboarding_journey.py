"""The onboarding engine's acceptance (issue 6), as a client meets it: every call through the gateway.

The suite is the persona matrix's (tests/authz/conftest.py): the gateway and the five services in
one process on SQLite, events handed from outboxes to consumers as the relay would. A template
with three milestones is published through the templates API; accounts learns it from
``templates.template_published.v1``. Connectors and the portal do not exist yet, so their
answers (delivery confirmed, form submitted) are published here as their documented events.
The scheduler's clock is injected: ``run_due_jobs(now=…)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from stitch.common.envelope import new_event
from tests.authz.conftest import Suite, apply_event

pytestmark = pytest.mark.e2e
API = "/api/accounts"

EMAIL = {"subject": "Welcome to {{vendor_name}}, {{contact_first_name}}",
         "body": "Hi {{contact_first_name}},\n\nI'm {{csm_first_name}}. Your portal: {{portal_link}}\n\n{{csm_name}}"}
PORTAL = {"visible": True, "label": "Tell us about your team", "blocker": True}
TEMPLATE = {"name": "Three-step onboarding", "milestones": [
    {"name": "Kickoff", "duration_days": 7, "actions": [
        {"label": "Welcome email", "type": "SEND_EMAIL", "trigger": {"type": "milestone_start", "delay_hours": 0},
         "content": EMAIL},
        {"label": "Setup questionnaire", "type": "COLLECT_INFO",
         "trigger": {"type": "milestone_start", "delay_hours": 0}, "visibility": {"portal": PORTAL},
         "content": {"intro": "A few questions for {{company_name}}.",
                     "fields": [{"label": "Admin email", "type": "text", "required": True}]}},
        {"label": "Day-two check-in", "type": "SEND_EMAIL",
         "trigger": {"type": "milestone_start", "delay_hours": 24},
         "content": {"subject": "How is it going, {{contact_first_name}}?", "body": "Any questions so far?"}},
    ]},
    {"name": "Setup", "duration_days": 14, "actions": [
        {"label": "Setup guide", "type": "SEND_EMAIL", "trigger": {"type": "milestone_start", "delay_hours": 0},
         "content": {"subject": "Your setup guide", "body": "Here is how {{company_name}} gets set up."}}]},
    {"name": "Go-live", "duration_days": 7, "actions": [
        {"label": "Go-live call", "type": "SCHEDULE_MEETING", "content": {"title": "Go-live"}}]},
]}


@pytest.fixture(scope="module")
def suite(tmp_path_factory) -> Iterator[Suite]:
    built = Suite(tmp_path_factory.mktemp("onboarding-journey"))
    yield built
    for runtime in built.runtimes.values():
        runtime.engine.dispose()


@pytest.fixture(scope="module")
def csm(suite) -> dict[str, str]:
    return {"Authorization": f"Bearer {suite.login(suite.orgs['A'].users['csm'].email)['access_token']}"}


@pytest.fixture(scope="module")
def template_id(suite) -> str:
    headers = suite.as_admin()
    created = suite.call("POST", "/api/templates/templates", headers=headers, body=TEMPLATE)
    assert created.status_code == 201, created.get_data(as_text=True)
    template_id = created.get_json()["id"]
    published = suite.call("POST", f"/api/templates/templates/{template_id}/publish", headers=headers)
    assert published.status_code == 201, published.get_data(as_text=True)
    suite.deliver_events()  # template_published (and the identity events) reach accounts
    return template_id


class Api:
    def __init__(self, suite: Suite, headers: dict[str, str]) -> None:
        self.suite, self.headers = suite, headers

    def __call__(self, method: str, path: str, body: Any = None, *, status: int = 200) -> Any:
        response = self.suite.call(method, f"{API}{path}", headers=self.headers, body=body)
        assert response.status_code == status, f"{method} {path}: {response.get_data(as_text=True)}"
        return response.get_json()


def outbox(suite: Suite, event_type: str, account_id: str) -> list[dict]:
    """The accounts events of one type about one account, oldest first."""
    runtime = suite.runtimes["accounts"]
    table = runtime.metadata.tables["outbox"]
    with runtime.engine.connect() as db:
        rows = db.execute(select(table.c.envelope).order_by(table.c.seq)).scalars().all()
    return [e for e in rows if e["type"] == event_type and e["data"].get("account_id") == account_id]


def outbox_size(suite: Suite) -> int:
    runtime = suite.runtimes["accounts"]
    with runtime.engine.connect() as db:
        return db.execute(select(func.count()).select_from(runtime.metadata.tables["outbox"])).scalar()


def publish_as(suite: Suite, producer: str, event_type: str, data: dict) -> None:
    """What connectors or the portal will publish (their documented stand-in contracts)."""
    apply_event(suite.runtimes["accounts"], new_event(producer, event_type, data, suite.orgs["A"].id))


def run_scheduler(suite: Suite, now: datetime) -> int:
    total = 0  # a scan takes one batch: scan until nothing is due, as the periodic job would
    while count := suite.runtimes["accounts"].use_cases["run_due_jobs"](now=now):
        total += count
    return total


def find(account: dict, label: str) -> dict:
    return next(a for m in account["milestones"] for a in m["actions"] if a["label"] == label)


def test_an_account_runs_through_its_revision(suite, csm, template_id):
    api, org = Api(suite, csm), suite.orgs["A"]
    account = api("POST", "/accounts", {
        "company_name": "Acme Corp", "arr": 48000, "close_date": "2026-11-20",
        "contacts": [{"name": "Jo Doe", "email": "jo@acme.test", "title": "Head of Ops"}],
        "template_id": template_id, "csm_id": org.users["csm"].id,
        "crm_source": "hubspot", "external_id": "deal-1001"}, status=201)
    account_id = account["id"]
    kickoff, setup, golive = account["milestones"]
    assert [m["state"] for m in account["milestones"]] == ["pending"] * 3
    [applied] = outbox(suite, "accounts.template_applied.v1", account_id)
    assert applied["data"]["template_id"] == template_id and applied["data"]["revision"] == 1

    # The same deal again returns the same account.
    again = api("POST", "/accounts", {
        "company_name": "Acme Corp", "arr": 48000, "close_date": "2026-11-20",
        "contacts": [{"name": "Jo Doe", "email": "jo@acme.test"}], "crm_source": "hubspot", "external_id": "deal-1001"})
    assert again["id"] == account_id

    started = api("POST", f"/accounts/{account_id}/milestones/{kickoff['id']}/start")
    start_time = datetime.fromisoformat(started["milestones"][0]["started_at"])
    assert started["milestones"][0]["state"] == "in_progress"
    assert find(started, "Welcome email")["state"] == "review_pending"  # its draft is being written

    # The 0-delay form is in the customer's portal at once (the event the portal builds from).
    form = find(started, "Setup questionnaire")
    assert form["state"] == "executed"
    [shown] = [e for e in outbox(suite, "accounts.action_executed.v1", account_id)
               if e["data"]["action_id"] == form["id"]]
    assert shown["data"]["portal"]["task"]["intro"] == "A few questions for Acme Corp."

    # The 24 h action is due at start + 24 h.
    check_in = find(started, "Day-two check-in")
    assert check_in["state"] == "pending"
    assert datetime.fromisoformat(check_in["due_at"]) == start_time + timedelta(hours=24)

    # The scheduler writes the welcome draft: merge fields filled, none left.
    run_scheduler(suite, start_time + timedelta(seconds=1))
    welcome = find(api("GET", f"/accounts/{account_id}"), "Welcome email")
    assert welcome["state"] == "ready"
    draft = welcome["draft"]["fields"]
    assert "{{" not in draft["subject"] + draft["body"]
    assert "Jo" in draft["subject"] and f"/portal/{org.slug}/" in draft["body"]

    # Edit → execute → executing → delivery confirmed (connectors' event) → executed.
    api("PATCH", f"/accounts/{account_id}/actions/{welcome['id']}/draft", {"subject": "Welcome aboard, Jo"})
    executing = api("POST", f"/accounts/{account_id}/actions/{welcome['id']}/execute")
    assert find(executing, "Welcome email")["state"] == "executing"
    [request] = outbox(suite, "accounts.delivery_requested.v1", account_id)
    assert request["data"]["email"]["subject"] == "Welcome aboard, Jo"
    assert request["data"]["email"]["to"] == [{"name": "Jo Doe", "email": "jo@acme.test"}]
    publish_as(suite, "connectors", "connectors.delivery_succeeded.v1", {
        "request_id": request["data"]["request_id"], "account_id": account_id, "action_id": welcome["id"],
        "channel": "email", "delivered_at": start_time.isoformat()})
    assert find(api("GET", f"/accounts/{account_id}"), "Welcome email")["state"] == "executed"

    # Nothing fires before its time; past it, the check-in gets its draft.
    run_scheduler(suite, start_time + timedelta(hours=23))
    assert find(api("GET", f"/accounts/{account_id}"), "Day-two check-in")["state"] == "pending"
    run_scheduler(suite, start_time + timedelta(hours=24, seconds=1))
    run_scheduler(suite, start_time + timedelta(hours=24, seconds=2))
    assert find(api("GET", f"/accounts/{account_id}"), "Day-two check-in")["state"] == "ready"

    # Completing milestone 1 waits for its blocker: the customer's submission (the portal's event).
    refused = suite.call("POST", f"{API}/accounts/{account_id}/milestones/{kickoff['id']}/complete", headers=csm)
    assert refused.status_code == 409
    assert refused.get_json()["rule"] == "milestone.complete.open_blockers"
    assert "Setup questionnaire" in refused.get_json()["detail"]
    publish_as(suite, "portal", "portal.submission_received.v1", {
        "submission_id": "5b1c0a52-7f3e-4d0b-9a61-2f8e4c7d9b10", "account_id": account_id,
        "action_id": form["id"], "contact_id": account["contacts"][0]["id"],
        "submitted_at": start_time.isoformat()})
    completed = api("POST", f"/accounts/{account_id}/milestones/{kickoff['id']}/complete")
    assert [m["state"] for m in completed["milestones"]] == ["completed", "in_progress", "pending"]
    assert find(completed, "Setup guide")["state"] == "review_pending"  # milestone 2's triggers fired
    assert golive["id"] == completed["milestones"][2]["id"]


def test_illegal_transitions_and_bad_input_change_nothing(suite, csm, template_id):
    api = Api(suite, csm)
    account = api("POST", "/accounts", {"company_name": "Globex", "arr": 12000, "close_date": "2026-11-20", "contacts": [
        {"name": "Hank Scorpio", "email": "hank@globex.test"}], "template_id": template_id}, status=201)
    path = f"/accounts/{account['id']}"
    pending = account["milestones"][0]["actions"][0]
    before, size = suite.call("GET", f"{API}{path}", headers=csm), outbox_size(suite)

    cases = [
        ("POST", f"{path}/actions/{pending['id']}/execute", None, 409, "action.execute.not_ready"),
        ("POST", f"{path}/milestones/{account['milestones'][0]['id']}/complete", None, 409,
         "milestone.complete.not_in_progress"),
        ("POST", f"{path}/template", {"template_id": template_id}, 409, "account.reapply.needs_confirmation"),
        ("POST", f"{path}/milestones/{account['milestones'][0]['id']}/block", {"note": "  "}, 422, "json.note"),
        ("PATCH", path, {"company_name": ""}, 422, "json.company_name"),
        ("POST", f"{path}/contacts", {"name": "Jo", "email": "not-an-address"}, 422, "json.email"),
    ]
    for method, url, body, status, named in cases:
        response = suite.call(method, f"{API}{url}", headers=csm, body=body)
        assert response.status_code == status, (url, response.get_data(as_text=True))
        assert response.content_type == "application/problem+json"
        problem = response.get_json()
        assert named in (problem.get("rule"), *[e["name"] for e in problem.get("errors", [])]), problem
    after = suite.call("GET", f"{API}{path}", headers=csm)
    assert after.headers["ETag"] == before.headers["ETag"] and after.get_json() == before.get_json()
    assert outbox_size(suite) == size
