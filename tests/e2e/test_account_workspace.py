"""Internal notes and the account workspace (issue 7), as a client meets them: every call through
the gateway, with tokens the gateway's login gave.

The suite is the persona matrix's (tests/authz/conftest.py). The test signs in CSMs of its own (new
users of org A): the account's owner, a collaborator and a CSM with no part in the account. Notes
are the team's own words: no event of any service may carry them, so every outbox is scanned for
their text after the account has been through changes other services do hear about.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from stitch.gateway.application.organizations import CreateUser
from tests.authz.conftest import Suite

pytestmark = pytest.mark.e2e
API = "/api/accounts"


@pytest.fixture(scope="module")
def suite(tmp_path_factory) -> Iterator[Suite]:
    built = Suite(tmp_path_factory.mktemp("account-workspace"))
    yield built
    for runtime in built.runtimes.values():
        runtime.engine.dispose()


class Caller:
    """Someone signed in through the gateway, calling the accounts API."""

    def __init__(self, suite: Suite, headers: dict[str, str], user_id: str | None = None) -> None:
        self.suite, self.headers, self.id = suite, headers, user_id

    def __call__(self, method: str, path: str, body: Any = None, *, status: int = 200) -> Any:
        response = self.suite.call(method, f"{API}{path}", headers=self.headers, body=body)
        assert response.status_code == status, f"{method} {path}: {response.get_data(as_text=True)}"
        if status >= 400:
            assert response.content_type == "application/problem+json"
        return response.get_json() if response.data else None


def signed_in(suite: Suite, role: str) -> Caller:
    """A new staff user of org A, known to accounts (the identity event delivered), signed in."""
    org = suite.orgs["A"]
    unique = org.unique()
    user = suite.use["create_user"](CreateUser(org.slug, f"{role}-{unique}@{org.email_domain}", f"{role} {unique}",
                                               role, suite.password))
    suite.deliver_events()
    return Caller(suite, {"Authorization": f"Bearer {suite.login(user.email)['access_token']}"}, user.id)


def every_event(suite: Suite) -> list[dict]:
    """Every event any part has put in its outbox (sent or not), as it travels."""
    envelopes = []
    for runtime in suite.runtimes.values():
        outbox = runtime.metadata.tables["outbox"]
        with runtime.engine.connect() as db:
            envelopes += db.execute(select(outbox.c.envelope).order_by(outbox.c.seq)).scalars().all()
    return envelopes


def test_notes_are_the_teams_own_words(suite):
    owner, collaborator, bystander = (signed_in(suite, "csm") for _ in range(3))
    viewer, other_org = signed_in(suite, "viewer"), Caller(suite, suite.as_admin("B"))
    account = owner("POST", "/accounts", {
        "company_name": "Initech", "arr": 24000, "close_date": "2026-11-20",
        "template_id": suite.account_template(suite.orgs["A"]), "csm_id": owner.id,
        "contacts": [{"name": "Bill Lumbergh", "email": f"bill-{uuid.uuid4().hex[:6]}@initech.example"}]}, status=201)
    url = f"/accounts/{account['id']}"
    owner("POST", f"{url}/collaborators", {"user_id": collaborator.id})
    said = {name: f"{name} {uuid.uuid4().hex}" for name in ("owner", "collaborator", "rewritten", "refused")}

    first = owner("POST", f"{url}/notes", {"body": said["owner"]}, status=201)
    second = collaborator("POST", f"{url}/notes", {"body": said["collaborator"]}, status=201)
    assert (first["author_id"], second["author_id"]) == (owner.id, collaborator.id)
    assert bystander("POST", f"{url}/notes", {"body": said["refused"]}, status=403)["rule"] == \
        "account.not_collaborator"
    viewer("POST", f"{url}/notes", {"body": said["refused"]}, status=403)
    other_org("POST", f"{url}/notes", {"body": said["refused"]}, status=404)
    other_org("GET", f"{url}/notes", status=404)
    assert owner("PATCH", f"{url}/notes/{second['id']}", {"body": said["refused"]}, status=403)["rule"] == \
        "note.not_author"
    collaborator("PATCH", f"{url}/notes/{second['id']}", {"body": said["rewritten"]})

    read = viewer("GET", f"{url}/notes")["items"]  # everyone of the organization reads them
    assert [(n["id"], n["body"]) for n in read] == [(second["id"], said["rewritten"]), (first["id"], said["owner"])]

    # The account moves on: events other services hear about, none with a note in it.
    owner("POST", f"{url}/milestones/{account['milestones'][0]['id']}/start")
    owner("PATCH", url, {"industry": "Software"})
    suite.deliver_events()
    events = every_event(suite)
    assert [e for e in events if e["data"].get("account_id") == account["id"]], "the account published nothing"
    assert [e for e in events if "Initech" in json.dumps(e)], "the scan must see what events carry"
    leaks = [e["type"] for e in events for text in said.values() if text in json.dumps(e)]
    assert not leaks, f"a note's text is in {leaks}"

    history = viewer("GET", f"{url}/history?limit=200")["items"]
    noted = [(e["kind"], e["actor"], e["detail"], e["text"]) for e in history if e["kind"].startswith("note_")]
    assert noted == [("note_added", owner.id, {"note_id": first["id"]}, "Internal note added"),
                     ("note_added", collaborator.id, {"note_id": second["id"]}, "Internal note added"),
                     ("note_edited", collaborator.id, {"note_id": second["id"]}, "Internal note edited")]
    assert not [e for e in history for text in said.values() if text in json.dumps(e)]

    owner("DELETE", f"{url}/notes/{first['id']}", status=204)
    assert [n["id"] for n in owner("GET", f"{url}/notes")["items"]] == [second["id"]]


def test_the_workspace_views_through_the_gateway(suite):
    owner, collaborator, bystander = (signed_in(suite, "csm") for _ in range(3))
    account = owner("POST", "/accounts", {
        "company_name": "Hooli", "arr": 36000, "close_date": "2026-11-20",
        "template_id": suite.account_template(suite.orgs["A"]), "csm_id": owner.id,
        "contacts": [{"name": "Gavin Belson", "email": f"gavin-{uuid.uuid4().hex[:6]}@hooli.example"}]}, status=201)
    url = f"/accounts/{account['id']}"
    owner("POST", f"{url}/collaborators", {"user_id": collaborator.id})
    milestone = account["milestones"][0]
    owner("POST", f"{url}/milestones/{milestone['id']}/block", {"note": "Waiting on legal"})

    views = {who: who("GET", f"{url}/implementation") for who in (owner, collaborator, bystander)}
    assert [views[who]["access"] for who in (owner, collaborator, bystander)] == ["own", "collaborate", "read"]
    shown = views[owner]
    assert (shown["account_id"], shown["company_name"]) == (account["id"], "Hooli")
    assert shown["milestones"][0]["operations"] == ["unblock"]
    assert [a["label"] for a in shown["milestones"][0]["actions"]] == ["Welcome"]

    timeline = bystander("GET", f"{url}/timeline")
    [blocked] = timeline["milestones"]
    assert (blocked["state"], blocked["block_note"], blocked["days_late"]) == ("blocked", "Waiting on legal", None)
    assert timeline["progress"] == {"done": 0, "total": 1, "percent": 0}
    Caller(suite, suite.as_admin("B"))("GET", f"{url}/timeline", status=404)
