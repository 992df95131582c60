"""Connecting Slack (issue 8), as an admin's browser meets it, and a Slack action delivered.

The suite is the persona matrix's (tests/authz/conftest.py), its connectors pointed at FakeSlack
(a real HTTP server on 127.0.0.1 that plays slack.com's OAuth v2 pages and Web API). The API
calls go through the gateway; so does the browser's return from Slack (/oauth/slack/callback, a
public route the gateway forwards with only the stitch_oauth cookie), made with a test client of
the gateway's own that holds no cookie unless a test gives it one: a browser. The browser's
visit to Slack's authorize page is a real HTTP request to FakeSlack, not followed further.

The tests run in order (each builds on the last): the Slack action waits in ready before Slack is
connected; foreign callbacks change nothing; the admin connects; accounts learns it and the
action goes to Slack; a channel the bot is not in fails plainly; the admin tests and disconnects.
The last test is a canary over everything seen here: no log record, outbox row, stored byte or
response body holds a token FakeSlack issued.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from stitch.common.testing.fake_slack import FakeSlack
from tests.authz.conftest import Suite

pytestmark = pytest.mark.e2e
PUBLIC_URL = "http://gateway.test"
CONNECTED = f"{PUBLIC_URL}/settings/integrations?provider=slack&result=connected"
TEMPLATE = {"name": "Slack onboarding", "milestones": [{"name": "Kickoff", "actions": [
    {"label": "Kickoff in Slack", "type": "SLACK", "trigger": {"type": "milestone_start", "delay_hours": 0},
     "content": {"channel": "#acme-onboarding", "message": "Kickoff for {{company_name}} starts today."}}]}]}
SEEN: list[str] = []  # every response body and header this module received (the canary reads them)


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))  # with the traceback
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{self.format(record)} {vars(record)!r}")  # the extras a JSON formatter adds too


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        slack.add_channel("#acme-onboarding", member=True)
        slack.add_channel("#vendor-private", member=False)
        yield slack


@pytest.fixture(scope="module")
def logs() -> Iterator[_Keep]:
    """Every log record of the module, at DEBUG (caplog is per test; this spans them all)."""
    root, keep = logging.getLogger(), _Keep()
    level = root.level
    root.addHandler(keep)
    root.setLevel(logging.DEBUG)
    yield keep
    root.removeHandler(keep)
    root.setLevel(level)


@pytest.fixture(scope="module")
def suite(tmp_path_factory, fake, logs) -> Iterator[Suite]:
    built = Suite(tmp_path_factory.mktemp("slack-connection"), settings={"connectors": {
        "slack_base_url": fake.url, "slack_client_id": "fake-client-id",
        "slack_client_secret": "fake-client-secret", "public_url": PUBLIC_URL, "delivery_backoff_seconds": 0}})
    yield built
    for runtime in built.runtimes.values():
        runtime.engine.dispose()


@pytest.fixture(scope="module")
def csm(suite) -> dict[str, str]:
    return {"Authorization": f"Bearer {suite.login(suite.orgs['A'].users['csm'].email)['access_token']}"}


def seen(response):
    SEEN.append(f"{response.status_code} {dict(response.headers)!r} {response.get_data(as_text=True)}")
    return response


def call(suite: Suite, headers: dict[str, str], method: str, path: str, body: Any = None, *,
         status: int = 200) -> Any:
    response = seen(suite.call(method, path, headers=headers, body=body))
    assert response.status_code == status, f"{method} {path}: {response.get_data(as_text=True)}"
    return response.get_json()


def find(account: dict, label: str) -> dict:
    return next(a for m in account["milestones"] for a in m["actions"] if a["label"] == label)


@pytest.fixture(scope="module")
def template_id(suite) -> str:
    created = call(suite, suite.as_admin(), "POST", "/api/templates/templates", TEMPLATE, status=201)
    call(suite, suite.as_admin(), "POST", f"/api/templates/templates/{created['id']}/publish", status=201)
    suite.deliver_events()
    return created["id"]


def ready_slack_action(suite: Suite, csm: dict[str, str], template_id: str, company: str) -> tuple[str, str]:
    """A new account whose Slack action's draft is written and waits for the CSM: (account id, action id)."""
    account = call(suite, csm, "POST", "/api/accounts/accounts", {
        "company_name": company, "arr": 24000, "close_date": "2026-11-20", "template_id": template_id,
        "csm_id": suite.orgs["A"].users["csm"].id,
        "contacts": [{"name": f"Jo {company}", "email": f"jo@{company.lower()}.test"}]}, status=201)
    started = call(suite, csm, "POST", f"/api/accounts/accounts/{account['id']}/milestones/"
                                       f"{account['milestones'][0]['id']}/start")
    start_time = datetime.fromisoformat(started["milestones"][0]["started_at"])
    while suite.runtimes["accounts"].use_cases["run_due_jobs"](now=start_time + timedelta(seconds=1)):
        pass
    action = find(call(suite, csm, "GET", f"/api/accounts/accounts/{account['id']}"), "Kickoff in Slack")
    assert action["state"] == "ready", action
    return account["id"], action["id"]


@pytest.fixture(scope="module")
def slack_action(suite, csm, template_id) -> tuple[str, str]:
    return ready_slack_action(suite, csm, template_id, "Acme")


def start_connect(suite: Suite) -> tuple[str, str]:
    """The admin asks to connect Slack: (the authorization URL, the browser secret its cookie holds)."""
    response = seen(suite.call("POST", "/api/connectors/connections/slack/connect", headers=suite.as_admin(),
                               body={}))
    assert response.status_code == 201, response.get_data(as_text=True)
    cookie = response.headers["Set-Cookie"]
    name, _, rest = cookie.partition("=")
    assert name == "stitch_oauth" and "HttpOnly" in cookie and "Path=/oauth/" in cookie
    return response.get_json()["authorization_url"], rest.split(";", 1)[0]


def at_slack(authorization_url: str) -> dict[str, str]:
    """The browser at Slack's authorize page (FakeSlack approves at once): the code and state it
    is sent back with."""
    answer = requests.get(authorization_url, allow_redirects=False, timeout=10)
    SEEN.append(f"{answer.status_code} {dict(answer.headers)!r} {answer.text}")
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{PUBLIC_URL}/oauth/slack/callback"
    query = parse_qs(location.query)
    return {"code": query["code"][0], "state": query["state"][0]}


def back_from_slack(suite: Suite, returned: dict[str, str], cookie: str | None):
    """The browser returns to Stitch through the gateway, with the cookie or without."""
    browser = suite.apps["gateway"].test_client(use_cookies=False)
    headers = {"Cookie": f"stitch_oauth={cookie}"} if cookie else {}
    return seen(browser.get("/oauth/slack/callback", query_string=returned, headers=headers))


def connection(suite: Suite, headers: dict[str, str]):
    return seen(suite.call("GET", "/api/connectors/connections/slack", headers=headers))


def require_connected(suite: Suite) -> None:
    """The tests after the connect test build on its connection: say so plainly when there is none."""
    assert connection(suite, suite.as_admin()).status_code == 200, \
        "Slack is not connected: test_an_admin_connects_slack_and_the_same_return_cannot_be_replayed failed first"


def test_before_slack_is_connected_a_slack_action_cannot_go_and_only_admins_may_connect(suite, csm, slack_action):
    account_id, action_id = slack_action
    refused = call(suite, csm, "POST", f"/api/accounts/accounts/{account_id}/actions/{action_id}/execute",
                   status=409)
    assert refused["rule"] == "action.execute.no_connection"
    call(suite, csm, "POST", "/api/connectors/connections/slack/connect", {}, status=403)
    call(suite, csm, "DELETE", "/api/connectors/connections/slack", status=403)
    assert connection(suite, csm).status_code == 404


def test_a_callback_from_another_browser_or_without_the_cookie_changes_nothing(suite, fake):
    url, _cookie = start_connect(suite)
    returned = at_slack(url)
    refused = back_from_slack(suite, returned, None)
    assert refused.status_code == 400 and "another browser" in refused.get_data(as_text=True)

    url, _cookie = start_connect(suite)
    _other_url, other_browser = start_connect(suite)  # a second flow: another browser's own cookie
    refused = back_from_slack(suite, at_slack(url), other_browser)
    assert refused.status_code == 400
    assert refused.headers["Cache-Control"] == "no-store"
    assert connection(suite, suite.as_admin()).status_code == 404
    assert [t.grant_type for t in fake.issued] == []  # no code was exchanged for tokens


def test_an_admin_connects_slack_and_the_same_return_cannot_be_replayed(suite, fake):
    url, cookie = start_connect(suite)
    returned = at_slack(url)
    done = back_from_slack(suite, returned, cookie)
    assert done.status_code == 303, done.get_data(as_text=True)
    assert done.headers["Location"] == CONNECTED
    assert "stitch_oauth=;" in done.headers.get("Set-Cookie", "")  # the binding cookie is spent

    replayed = back_from_slack(suite, returned, cookie)
    assert replayed.status_code == 400
    assert [t.grant_type for t in fake.issued] == ["authorization_code"]  # one exchange, not two

    shown = connection(suite, suite.as_admin())
    assert shown.status_code == 200
    body = shown.get_json()
    assert body["status"] == "connected" and body["account_name"].startswith("Lumen")
    assert body["connected_by"] == suite.orgs["A"].admin_id and "chat:write" in body["scopes"]
    assert not {"access_token", "refresh_token", "token"} & set(body)
    assert fake.issued[0].access_token not in shown.get_data(as_text=True)


def test_accounts_learns_of_the_connection_and_the_slack_action_is_posted(suite, csm, fake, slack_action):
    require_connected(suite)
    account_id, action_id = slack_action
    suite.deliver_events()  # connectors.connection_changed.v1 reaches accounts
    executing = call(suite, csm, "POST", f"/api/accounts/accounts/{account_id}/actions/{action_id}/execute")
    assert find(executing, "Kickoff in Slack")["state"] == "executing"
    suite.deliver_events()
    assert suite.runtimes["connectors"].use_cases["run_all_due_deliveries"]() == 1
    suite.deliver_events()

    [posted] = fake.messages
    assert fake.channels[posted.channel].name == "acme-onboarding"
    assert posted.text == "Kickoff for Acme starts today."
    assert posted.token == fake.issued[0].access_token
    account = call(suite, csm, "GET", f"/api/accounts/accounts/{account_id}")
    assert find(account, "Kickoff in Slack")["state"] == "executed"
    [delivery] = call(suite, csm, "GET", f"/api/connectors/deliveries?action_id={action_id}")["items"]
    assert delivery["status"] == "delivered" and delivery["channel"] == "slack"
    assert delivery["provider_message_id"] == posted.ts and delivery["slack_channel"] == "#acme-onboarding"


def test_a_channel_the_app_is_not_in_fails_with_a_plain_reason(suite, csm, fake, template_id):
    require_connected(suite)
    account_id, action_id = ready_slack_action(suite, csm, template_id, "Globex")
    call(suite, csm, "PATCH", f"/api/accounts/accounts/{account_id}/actions/{action_id}/draft",
         {"channel": "#vendor-private"})
    call(suite, csm, "POST", f"/api/accounts/accounts/{account_id}/actions/{action_id}/execute")
    suite.deliver_events()
    suite.runtimes["connectors"].use_cases["run_all_due_deliveries"]()
    suite.deliver_events()

    assert [m.text for m in fake.messages] == ["Kickoff for Acme starts today."]  # nothing new was posted
    action = find(call(suite, csm, "GET", f"/api/accounts/accounts/{account_id}/implementation"), "Kickoff in Slack")
    assert action["state"] == "ready"
    assert action["last_error"]["code"] == "bot_not_in_channel"
    assert "#vendor-private" in action["last_error"]["message"]
    assert "Invite it to the channel" in action["last_error"]["message"]
    assert "Traceback" not in action["last_error"]["text"] and "SlackApiError" not in action["last_error"]["text"]


def test_an_admin_tests_the_connection(suite):
    require_connected(suite)
    tested = call(suite, suite.as_admin(), "POST", "/api/connectors/connections/slack/test")
    assert tested["ok"] is True and tested["error"] is None
    assert tested["account_name"].startswith("Lumen") and tested["connection"]["status"] == "connected"


def test_an_admin_disconnects_and_slack_revokes_the_token(suite, csm, fake, template_id):
    require_connected(suite)
    gone = call(suite, suite.as_admin(), "DELETE", "/api/connectors/connections/slack")
    assert gone["revoked"] is True and gone["connection"]["status"] == "disconnected"
    assert fake.revoked == [fake.issued[0].access_token]
    assert connection(suite, suite.as_admin()).status_code == 404
    # accounts hears it: a Slack action can no longer be executed.
    suite.deliver_events()
    account_id, action_id = ready_slack_action(suite, csm, template_id, "Initech")
    refused = call(suite, csm, "POST", f"/api/accounts/accounts/{account_id}/actions/{action_id}/execute",
                   status=409)
    assert refused["rule"] == "action.execute.no_connection"


def test_no_token_slack_issued_is_in_a_log_an_event_a_stored_byte_or_a_response(suite, fake, logs):
    secrets = {token for issued in fake.issued for token in (issued.access_token, issued.refresh_token)}
    assert len(secrets) == 2 * len(fake.issued) >= 2
    outboxes = []
    for name, runtime in suite.runtimes.items():
        table = runtime.metadata.tables["outbox"]
        with runtime.engine.connect() as db:
            outboxes += [f"{name} {envelope!r}" for envelope in db.execute(select(table.c.envelope)).scalars()]
    assert any("connectors.connection_changed.v1" in row for row in outboxes)  # the connection's events are here
    assert logs.lines and any("oauth.v2.access" in line for line in logs.lines), \
        "the log capture missed the token exchange: it proves nothing"
    assert len(SEEN) > 20
    stored = [(path.name, path.read_bytes()) for path in Path(suite.root, "db").glob("connectors.sqlite*")]
    assert stored, "no connectors database file found"
    for secret in secrets:
        assert not [line for line in logs.lines if secret in line], "a token in a log record"
        assert not [row for row in outboxes if secret in row], "a token in an outbox row"
        assert not [body for body in SEEN if secret in body], "a token in a response"
        assert not [name for name, data in stored if secret.encode() in data], "a token stored in plain text"
