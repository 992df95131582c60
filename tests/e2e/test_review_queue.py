"""The review queue, batch commands and scheduled actions (issue 7), as a client meets them: every
call through the gateway, with tokens the gateway's login gave.

The suite is the persona matrix's (tests/authz/conftest.py). Each test signs in CSMs of its own
(new users of org A), so "my" queue holds exactly the accounts the test gave them. Accounts run a
published template's "Kickoff": five emails due at its start (the scheduler writes their drafts,
so they wait in ``ready``) and a check-in 48 hours later (scheduled).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from stitch.gateway.application.organizations import CreateUser
from tests.authz.conftest import Suite

pytestmark = pytest.mark.e2e
API = "/api/accounts"
PROBLEM = "application/problem+json"
EMAILS = 5
TEMPLATE = {"name": "Queue journey", "milestones": [{"name": "Kickoff", "duration_days": 7, "actions": [
    *({"label": f"Email {n}", "type": "SEND_EMAIL", "trigger": {"type": "milestone_start", "delay_hours": 0},
       "content": {"subject": f"Step {n} for {{{{company_name}}}}",
                   "body": "Hi {{contact_first_name}},\n\n**Welcome** aboard."}} for n in range(1, EMAILS + 1)),
    {"label": "Check-in", "type": "SEND_EMAIL", "trigger": {"type": "milestone_start", "delay_hours": 48},
     "content": {"subject": "How is it going?", "body": "Any questions so far?"}}]}]}


@pytest.fixture(scope="module")
def suite(tmp_path_factory) -> Iterator[Suite]:
    built = Suite(tmp_path_factory.mktemp("review-queue"))
    yield built
    for runtime in built.runtimes.values():
        runtime.engine.dispose()


@pytest.fixture(scope="module")
def templates(suite) -> dict[str, str]:
    """The published template of each org (A and B)."""
    published = {}
    for org in ("A", "B"):
        headers = suite.as_admin(org)
        created = suite.call("POST", "/api/templates/templates", headers=headers, body=TEMPLATE)
        assert created.status_code == 201, created.get_data(as_text=True)
        publish = suite.call("POST", f"/api/templates/templates/{created.get_json()['id']}/publish", headers=headers)
        assert publish.status_code == 201, publish.get_data(as_text=True)
        published[org] = created.get_json()["id"]
    suite.deliver_events()
    return published


class Api:
    def __init__(self, suite: Suite, headers: dict[str, str]) -> None:
        self.suite, self.headers = suite, headers

    def __call__(self, method: str, path: str, body: Any = None, *, status: int = 200) -> Any:
        return self.send(method, path, body, status).get_json()

    def problem(self, method: str, path: str, body: Any = None, *, status: int) -> dict:
        response = self.send(method, path, body, status)
        assert response.content_type == PROBLEM
        return response.get_json()

    def send(self, method: str, path: str, body: Any, status: int):
        response = self.suite.call(method, f"{API}{path}", headers=self.headers, body=body)
        assert response.status_code == status, f"{method} {path}: {response.get_data(as_text=True)}"
        return response


def new_csm(suite: Suite) -> tuple[str, Api]:
    """A new CSM of org A, known to accounts (the identity event delivered), signed in."""
    org = suite.orgs["A"]
    unique = org.unique()
    user = suite.use["create_user"](CreateUser(org.slug, f"csm-{unique}@{org.email_domain}", f"CSM {unique}", "csm",
                                               suite.password))
    suite.deliver_events()
    return user.id, Api(suite, {"Authorization": f"Bearer {suite.login(user.email)['access_token']}"})


def run_scheduler(suite: Suite) -> None:
    while suite.runtimes["accounts"].use_cases["run_due_jobs"]():  # a scan takes one batch
        pass


def open_account(suite: Suite, template_id: str, owner: str | None, org: str = "A") -> dict:
    """An account owned by ``owner`` with its Kickoff started and its five drafts ready."""
    admin = Api(suite, suite.as_admin(org))
    unique = uuid.uuid4().hex[:8]
    account = admin("POST", "/accounts", {
        "company_name": f"Customer {unique}", "arr": 1000, "close_date": "2026-11-20", "template_id": template_id,
        "contacts": [{"name": f"Jo {unique}", "email": f"jo-{unique}@customer.example"}],
        **({"csm_id": owner} if owner else {})}, status=201)
    admin("POST", f"/accounts/{account['id']}/milestones/{account['milestones'][0]['id']}/start")
    run_scheduler(suite)
    return admin("GET", f"/accounts/{account['id']}")


def actions(account: dict, prefix: str = "Email") -> list[dict]:
    return [a for m in account["milestones"] for a in m["actions"] if a["label"].startswith(prefix)]


def pair(account: dict, action: dict) -> dict[str, str]:
    return {"account_id": account["id"], "action_id": action["id"]}


def delivery_requests(suite: Suite) -> list[dict]:
    runtime = suite.runtimes["accounts"]
    outbox = runtime.metadata.tables["outbox"]
    with runtime.engine.connect() as db:
        envelopes = db.execute(select(outbox.c.envelope).order_by(outbox.c.seq)).scalars().all()
    return [e["data"] for e in envelopes if e["type"] == "accounts.delivery_requested.v1"]


def read(suite: Suite, account: dict, org: str = "A") -> tuple[dict, int]:
    response = suite.call("GET", f"{API}/accounts/{account['id']}", headers=suite.as_admin(org))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json(), int(response.headers["ETag"].strip('"'))


def whole_queue(api: Api, query: dict[str, Any], limit: int) -> list[dict]:
    items, cursor = [], None
    while True:
        args = {**query, "limit": limit, **({"cursor": cursor} if cursor else {})}
        page = api("GET", f"/review-queue?{urlencode(args)}")
        items += page["items"]
        if not (cursor := page["next_cursor"]):
            return items


def test_batch_execute_of_50_drafts_where_3_are_no_longer_ready(suite, templates):
    csm_id, csm = new_csm(suite)
    batched = [open_account(suite, templates["A"], csm_id) for _ in range(10)]
    bystanders = [(open_account(suite, templates["A"], csm_id), "A"),
                  (open_account(suite, templates["A"], suite.orgs["A"].admin_id), "A"),
                  (open_account(suite, templates["B"], None, org="B"), "B")]
    items = [pair(account, action) for account in batched for action in actions(account)]
    assert len(items) == 50 and {a["state"] for acc in batched for a in actions(acc)} == {"ready"}

    stale = {items[7]["action_id"]: "executing", items[22]["action_id"]: "skipped",
             items[41]["action_id"]: "review_pending"}
    csm("POST", "/accounts/{account_id}/actions/{action_id}/execute".format(**items[7]))
    csm("POST", "/accounts/{account_id}/actions/{action_id}/skip".format(**items[22]), {"reason": "Not needed"})
    csm("POST", "/accounts/{account_id}/actions/{action_id}/redraft".format(**items[41]), {})
    before = {acc["id"]: read(suite, acc, org) for acc, org in [(a, "A") for a in batched] + bystanders}
    requested = len(delivery_requests(suite))

    answer = csm("POST", "/actions/batch-execute", {"items": items})

    assert [pair({"id": r["account_id"]}, {"id": r["action_id"]}) for r in answer["results"]] == items
    assert {key: answer[key] for key in ("done", "refused", "not_found", "forbidden")} == {
        "done": 47, "refused": 3, "not_found": 0, "forbidden": 0}
    for result in answer["results"]:
        if result["action_id"] in stale:
            state = stale[result["action_id"]]
            assert (result["outcome"], result["state"]) == ("refused", state)
            assert result["rule"] == "action.execute.not_ready"
            assert f"the action is {state}" in result["message"]
        else:
            assert result == {**result, "outcome": "done", "state": "executing"} and "rule" not in result
    done = {r["action_id"] for r in answer["results"] if r["outcome"] == "done"}
    new_requests = delivery_requests(suite)[requested:]
    assert len(new_requests) == 47 and {r["action_id"] for r in new_requests} == done

    # Nothing else changed: one version per executed item, only those actions moved, and the
    # accounts outside the batch (another CSM's, the admin's, another org's) are exactly as they were.
    for account in batched:
        (old, version), (new, new_version) = before[account["id"]], read(suite, account)
        executed = [a for a in actions(old) if a["id"] in done]
        assert new_version == version + len(executed)
        for old_action, new_action in zip(actions(old, ""), actions(new, ""), strict=True):
            if old_action["id"] in done:
                assert (old_action["state"], new_action["state"]) == ("ready", "executing")
            else:
                assert new_action == old_action
        unchanged = ("company_name", "status", "primary_csm_id", "collaborators", "contacts", "current_milestone_id")
        assert {k: new[k] for k in unchanged} == {k: old[k] for k in unchanged}
    for account, org in bystanders:
        assert read(suite, account, org) == before[account["id"]]


def test_review_queue_is_mine_or_all_oldest_first_never_another_org(suite, templates):
    owner_id, owner = new_csm(suite)
    colleague_id, colleague = new_csm(suite)
    admin = Api(suite, suite.as_admin())
    owned = open_account(suite, templates["A"], owner_id)
    shared = open_account(suite, templates["A"], colleague_id)
    admin("POST", f"/accounts/{shared['id']}/collaborators", {"user_id": owner_id})
    not_mine = open_account(suite, templates["A"], colleague_id)
    archived = open_account(suite, templates["A"], owner_id)
    admin("POST", f"/accounts/{archived['id']}/archive", {"reason": "Lost"})
    foreign = open_account(suite, templates["B"], None, org="B")

    mine = owner("GET", "/review-queue?limit=200")
    assert [i["account_id"] for i in mine["items"]] == [owned["id"]] * 5 + [shared["id"]] * 5
    assert mine["next_cursor"] is None and owner("GET", "/review-queue/count") == {"count": 10}
    theirs = colleague("GET", "/review-queue?scope=mine&limit=200")["items"]
    assert [i["account_id"] for i in theirs] == [shared["id"]] * 5 + [not_mine["id"]] * 5
    problem = owner.problem("GET", "/review-queue?scope=all", status=403)
    assert problem["rule"] == "review_queue.all_needs_manage_accounts"
    assert owner.problem("GET", "/review-queue/count?scope=all", status=403)["rule"] == problem["rule"]

    everyone = whole_queue(admin, {"scope": "all"}, 7)
    assert [(i["ready_since"], i["action_id"]) for i in everyone] == sorted((i["ready_since"], i["action_id"])
                                                                            for i in everyone)
    listed = {i["action_id"] for i in everyone}
    assert {a["id"] for acc in (owned, shared, not_mine) for a in actions(acc)} <= listed
    assert not {a["id"] for acc in (archived, foreign) for a in actions(acc)} & listed
    assert admin("GET", "/review-queue/count?scope=all") == {"count": len(everyone)}
    other_org = whole_queue(Api(suite, suite.as_admin("B")), {"scope": "all"}, 200)
    assert foreign["id"] in {i["account_id"] for i in other_org}
    assert not {i["account_id"] for i in other_org} & {i["account_id"] for i in everyone}
    assert [i["account_id"] for i in admin("GET", f"/review-queue?scope=all&account_id={shared['id']}")["items"]] \
        == [shared["id"]] * 5
    assert admin("GET", "/review-queue?scope=all&type=SLACK")["items"] == []

    first = mine["items"][0]
    assert {k: first[k] for k in ("company_name", "primary_csm_id", "milestone_name", "type", "overdue")} == {
        "company_name": owned["company_name"], "primary_csm_id": owner_id, "milestone_name": "Kickoff",
        "type": "SEND_EMAIL", "overdue": False}
    assert first["account_version"] == read(suite, owned)[1]
    step = first["label"].removeprefix("Email ")
    assert first["draft"]["headline"] == f"Step {step} for {owned['company_name']}"
    assert first["draft"]["excerpt"].startswith("Hi Jo") and "**" not in first["draft"]["excerpt"]
    assert (first["draft"]["number"], first["draft"]["edited"], first["draft"]["warnings"]) == (1, False, [])

    # Pages stay stable while items leave the queue: executing one on page 1 moves nothing later.
    page = owner("GET", "/review-queue?limit=3")
    owner("POST", "/accounts/{account_id}/actions/{action_id}/execute".format(**page["items"][0]))
    rest = whole_queue(owner, {"cursor": page["next_cursor"]}, 3) if page["next_cursor"] else []
    assert [i["action_id"] for i in page["items"] + rest] == [i["action_id"] for i in mine["items"]]

    for query, named in (("cursor=bm90LWEtY3Vyc29y", "query.cursor"), ("scope=team", "query.scope"),
                         ("type=FAX", "query.type"), ("limit=0", "query.limit"), ("limit=201", "query.limit")):
        problem = owner.problem("GET", f"/review-queue?{query}", status=422)
        assert named in [e["name"] for e in problem["errors"]], problem


def test_batch_skip_and_reschedule_mix_allowed_refused_and_forbidden(suite, templates):
    me_id, me = new_csm(suite)
    mine, also_mine = open_account(suite, templates["A"], me_id), open_account(suite, templates["A"], me_id)
    theirs = open_account(suite, templates["A"], suite.orgs["A"].admin_id)  # not mine, not collaborating
    [check_in], [their_check_in] = actions(also_mine, "Check-in"), actions(theirs, "Check-in")

    executed = me("POST", "/actions/batch-execute", {"items": [pair(mine, actions(mine)[0]),
                                                               pair(theirs, actions(theirs)[0])]})
    assert [(r["outcome"], r["state"], r.get("rule")) for r in executed["results"]] == [
        ("done", "executing", None), ("forbidden", "ready", "account.not_collaborator")]
    assert (executed["done"], executed["forbidden"]) == (1, 1)

    skipped = me("POST", "/actions/batch-skip", {"reason": "Customer paused", "items": [
        pair(mine, actions(mine)[1]), pair(mine, actions(mine)[0]), pair(theirs, actions(theirs)[1]),
        pair(mine, actions(mine, "Check-in")[0]), {"account_id": str(uuid.uuid4()), "action_id": "nothing"}]})
    assert [(r["outcome"], r["state"], r.get("rule")) for r in skipped["results"]] == [
        ("done", "skipped", None), ("refused", "executing", "action.skip.not_open"),
        ("forbidden", "ready", "account.not_collaborator"), ("done", "skipped", None), ("not_found", None, None)]
    history = me("GET", f"/accounts/{mine['id']}/actions/{actions(mine)[1]['id']}/history")["items"]
    assert [(e["actor"], e["detail"]["reason"]) for e in history if e["kind"] == "action_skipped"] == [
        (me_id, "Customer paused")]

    moved = me("POST", "/actions/batch-reschedule", {"delay_hours": 72, "items": [
        pair(also_mine, check_in), pair(also_mine, actions(also_mine)[0]), pair(theirs, their_check_in)]})
    assert [(r["outcome"], r["state"], r.get("rule")) for r in moved["results"]] == [
        ("done", "pending", None), ("refused", "ready", "action.reschedule.not_pending"),
        ("forbidden", "pending", "account.not_collaborator")]
    after, _ = read(suite, also_mine)
    started = datetime.fromisoformat(after["milestones"][0]["started_at"])
    assert datetime.fromisoformat(actions(after, "Check-in")[0]["due_at"]) == started + timedelta(hours=72)
    assert actions(read(suite, theirs)[0], "Check-in")[0]["due_at"] == their_check_in["due_at"]


def test_batch_bodies_are_checked_before_anything_runs(suite, templates):
    _, csm = new_csm(suite)
    item = {"account_id": str(uuid.uuid4()), "action_id": str(uuid.uuid4())}
    many = [{"account_id": item["account_id"], "action_id": str(n)} for n in range(101)]
    cases = [("batch-execute", {"items": []}, "json.items"), ("batch-execute", {"items": many}, "json.items"),
             ("batch-execute", {"items": [item, {**item, "action_id": "other"}, item]}, "json.items.2"),
             ("batch-execute", {"items": [{"account_id": "a"}]}, "json.items.0.action_id"),
             ("batch-execute", {"items": [item], "force": True}, "json.force"),
             ("batch-skip", {"items": [item], "reason": "x" * 2001}, "json.reason"),
             ("batch-reschedule", {"items": [item]}, "json.delay_hours"),
             ("batch-reschedule", {"items": [item], "delay_hours": 5, "at": "2030-01-01T00:00:00+00:00"},
              "json.delay_hours"),
             ("batch-reschedule", {"items": [item], "delay_hours": 721}, "json.delay_hours")]
    for path, body, named in cases:
        problem = csm.problem("POST", f"/actions/{path}", body, status=422)
        assert named in [e["name"] for e in problem["errors"]], (path, problem)


def test_scheduled_actions_are_listed_triggered_and_cancelled_by_admins(suite, templates):
    csm_id, csm = new_csm(suite)
    admin = Api(suite, suite.as_admin())
    first, second, third = (open_account(suite, templates["A"], owner)
                            for owner in (csm_id, suite.orgs["A"].admin_id, csm_id))
    check_ins = [actions(account, "Check-in")[0] for account in (first, second, third)]

    # Earlier tests' check-ins are due before these, or later than these (rescheduled by 72 hours).
    last = datetime.fromisoformat(check_ins[2]["due_at"]) + timedelta(seconds=1)
    window = {"after": check_ins[0]["due_at"], "before": last.isoformat()}
    assert csm.problem("GET", "/scheduled-actions", status=403)["status"] == 403
    for path in ("/scheduled-actions", "/review-queue", "/review-queue/count"):  # a typo never widens a list
        typo = admin.problem("GET", f"{path}?acount_id={first['id']}", status=422)
        assert [e["name"] for e in typo["errors"]] == ["query.acount_id"], path
    listed = admin("GET", "/scheduled-actions?" + urlencode(window))["items"]
    assert [i["action_id"] for i in listed] == [c["id"] for c in check_ins]
    assert {(i["label"], i["delay_hours"], i["milestone_name"]) for i in listed} == {("Check-in", 48, "Kickoff")}
    assert [(i["account_id"], i["company_name"], i["primary_csm_id"]) for i in listed] == [
        (a["id"], a["company_name"], a["primary_csm_id"]) for a in (first, second, third)]
    everything = admin("GET", "/scheduled-actions?limit=200")["items"]
    assert [i["due_at"] for i in everything] == sorted(i["due_at"] for i in everything)
    between = {"after": check_ins[0]["due_at"], "before": check_ins[1]["due_at"]}
    assert [i["action_id"] for i in admin("GET", "/scheduled-actions?" + urlencode(between))["items"]] == [
        check_ins[0]["id"]]
    paged = admin("GET", "/scheduled-actions?" + urlencode({**window, "limit": 2}))
    rest = admin("GET", "/scheduled-actions?" + urlencode({**window, "cursor": paged["next_cursor"]}))
    assert [i["action_id"] for i in paged["items"] + rest["items"]] == [c["id"] for c in check_ins]
    assert Api(suite, suite.as_admin("B"))("GET", f"/scheduled-actions?account_id={first['id']}")["items"] == []

    assert csm.problem("POST", f"/scheduled-actions/{check_ins[0]['id']}/trigger", status=403)["status"] == 403
    response = suite.call("POST", f"{API}/scheduled-actions/{check_ins[0]['id']}/trigger", headers=admin.headers)
    assert response.status_code == 200 and response.headers["ETag"] == f'"{read(suite, first)[1]}"'
    assert actions(response.get_json(), "Check-in")[0]["state"] == "review_pending"
    run_scheduler(suite)  # the draft job it asked for
    assert actions(read(suite, first)[0], "Check-in")[0]["state"] == "ready"

    admin("POST", f"/scheduled-actions/{check_ins[1]['id']}/cancel", {})
    admin("POST", f"/scheduled-actions/{check_ins[2]['id']}/cancel", {"reason": "Customer paused"})
    for account, check_in, reason in ((second, check_ins[1], "Cancelled from the scheduled actions list"),
                                      (third, check_ins[2], "Customer paused")):
        history = admin("GET", f"/accounts/{account['id']}/actions/{check_in['id']}/history")["items"]
        assert [(e["actor"], e["detail"]["reason"]) for e in history if e["kind"] == "action_skipped"] == [
            (suite.orgs["A"].admin_id, reason)]
    assert admin("GET", "/scheduled-actions?" + urlencode(window))["items"] == []

    for verb, check_in in (("trigger", check_ins[0]), ("cancel", check_ins[1]), ("cancel", actions(first)[0])):
        problem = admin.problem("POST", f"/scheduled-actions/{check_in['id']}/{verb}", {} if verb == "cancel" else None,
                                status=409)
        assert problem["rule"] == "action.not_scheduled", problem
    assert admin.problem("POST", f"/scheduled-actions/{uuid.uuid4()}/trigger", status=404)["status"] == 404
    other_org = Api(suite, suite.as_admin("B"))
    fourth = open_account(suite, templates["A"], csm_id)
    assert other_org.problem("POST", f"/scheduled-actions/{actions(fourth, 'Check-in')[0]['id']}/cancel", {},
                             status=404)["status"] == 404
    assert actions(read(suite, fourth)[0], "Check-in")[0]["state"] == "pending"
