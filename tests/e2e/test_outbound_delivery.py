"""Outbound email (issue 8), as a client meets it: a CSM approves an email in accounts, and it
reaches a real SMTP server through connectors, every call through the gateway.

The suite is the persona matrix's (tests/authz/conftest.py): the gateway and the five services in
one process on SQLite, events handed from outboxes to consumers as the relay would. Connectors
sends through a real SMTP server on 127.0.0.1 (SmtpTestServer), scripted to answer 451 or 554
where a case needs it; retries wait 0 s (delivery_backoff_seconds), so running the sender until
nothing is due plays out every retry. The scheduler's clock is injected: ``run_due_jobs(now=…)``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import select

from stitch.common.envelope import Envelope
from stitch.common.testing.smtp_server import ReceivedMail, SmtpTestServer
from tests.authz.conftest import Suite, apply_event

pytestmark = pytest.mark.e2e
SENDER = "onboarding@lumen-mail.test"  # connectors' configured sender: every mail is From it
BODY = "Hi {{contact_first_name}},\n\nI'm **{{csm_first_name}}**, your guide. Your portal: {{portal_link}}"
TEMPLATE = {"name": "Email onboarding", "milestones": [{"name": "Kickoff", "actions": [
    {"label": "Welcome email", "type": "SEND_EMAIL", "trigger": {"type": "milestone_start", "delay_hours": 0},
     "content": {"subject": "Welcome, {{contact_first_name}}", "body": BODY}}]}]}


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpTestServer]:
    with SmtpTestServer() as server:
        yield server


@pytest.fixture(scope="module")
def suite(tmp_path_factory, smtp) -> Iterator[Suite]:
    built = Suite(tmp_path_factory.mktemp("outbound-delivery"), settings={"connectors": {
        "mail_url": f"smtp://127.0.0.1:{smtp.port}?security=none", "mail_sender": SENDER,
        "delivery_backoff_seconds": 0, "mail_timeout": 10.0}})
    yield built
    for runtime in built.runtimes.values():
        runtime.engine.dispose()


@pytest.fixture(scope="module")
def csm(suite) -> dict[str, str]:
    return {"Authorization": f"Bearer {suite.login(suite.orgs['A'].users['csm'].email)['access_token']}"}


@pytest.fixture(scope="module")
def template_id(suite) -> str:
    created = suite.call("POST", "/api/templates/templates", headers=suite.as_admin(), body=TEMPLATE)
    assert created.status_code == 201, created.get_data(as_text=True)
    published = suite.call("POST", f"/api/templates/templates/{created.get_json()['id']}/publish",
                           headers=suite.as_admin())
    assert published.status_code == 201, published.get_data(as_text=True)
    suite.deliver_events()  # accounts learns the revision; connectors the org and its people
    return created.get_json()["id"]


def call(suite: Suite, headers: dict[str, str], method: str, path: str, body: Any = None, *,
         status: int = 200) -> Any:
    response = suite.call(method, path, headers=headers, body=body)
    assert response.status_code == status, f"{method} {path}: {response.get_data(as_text=True)}"
    return response.get_json()


def find(account: dict, label: str) -> dict:
    return next(a for m in account["milestones"] for a in m["actions"] if a["label"] == label)


def ready_welcome(suite: Suite, csm: dict[str, str], template_id: str, company: str) -> tuple[str, str, str]:
    """A new account of the template with one contact, its milestone started and the welcome draft
    written by the scheduler: (account id, the welcome action's id, the contact's address)."""
    email = f"jo@{company.lower()}.test"
    account = call(suite, csm, "POST", "/api/accounts/accounts", {
        "company_name": company, "arr": 24000, "close_date": "2026-11-20", "template_id": template_id,
        "csm_id": suite.orgs["A"].users["csm"].id, "contacts": [{"name": f"Jo {company}", "email": email}]},
        status=201)
    started = call(suite, csm, "POST", f"/api/accounts/accounts/{account['id']}/milestones/"
                                       f"{account['milestones'][0]['id']}/start")
    start_time = datetime.fromisoformat(started["milestones"][0]["started_at"])
    while suite.runtimes["accounts"].use_cases["run_due_jobs"](now=start_time + timedelta(seconds=1)):
        pass  # a scan takes one batch: scan until nothing is due, as the periodic job would
    welcome = find(call(suite, csm, "GET", f"/api/accounts/accounts/{account['id']}"), "Welcome email")
    assert welcome["state"] == "ready", welcome
    return account["id"], welcome["id"], email


def execute_and_send(suite: Suite, csm: dict[str, str], account_id: str, action_id: str) -> int:
    """The CSM approves; the request reaches connectors, its sender runs until nothing is due, and
    the answer reaches accounts. Returns how many deliveries the sender worked on."""
    executing = call(suite, csm, "POST", f"/api/accounts/accounts/{account_id}/actions/{action_id}/execute")
    assert find(executing, "Welcome email")["state"] == "executing"
    suite.deliver_events()
    worked = run_sender(suite)
    suite.deliver_events()
    return worked


def run_sender(suite: Suite) -> int:
    return suite.runtimes["connectors"].use_cases["run_all_due_deliveries"]()


def mail_to(smtp: SmtpTestServer, address: str) -> list[ReceivedMail]:
    return [mail for mail in smtp.received if address in mail.rcpt_tos]


def delivery_requests(suite: Suite, account_id: str) -> list[dict]:
    """accounts.delivery_requested.v1 envelopes about the account, as accounts stored them (oldest first)."""
    runtime = suite.runtimes["accounts"]
    table = runtime.metadata.tables["outbox"]
    with runtime.engine.connect() as db:
        rows = db.execute(select(table.c.envelope).order_by(table.c.seq)).scalars().all()
    return [e for e in rows if e["type"] == "accounts.delivery_requested.v1" and e["data"]["account_id"] == account_id]


def deliveries_of(suite: Suite, headers: dict[str, str], action_id: str) -> list[dict]:
    return call(suite, headers, "GET", f"/api/connectors/deliveries?action_id={action_id}")["items"]


def only_address(message: EmailMessage, header: str) -> tuple[str, str]:
    [address] = message[header].addresses
    return address.display_name, address.addr_spec


def test_an_approved_email_reaches_the_contact_as_the_csm_wrote_it(suite, smtp, csm, template_id):
    org = suite.orgs["A"]
    csm_user = org.users["csm"]
    account_id, action_id, contact = ready_welcome(suite, csm, template_id, "Acme")
    call(suite, csm, "PATCH", f"/api/accounts/accounts/{account_id}/actions/{action_id}/draft",
         {"subject": "Welcome aboard, Jo", "cc": ["ops@acme.test"]})

    assert execute_and_send(suite, csm, account_id, action_id) == 1
    [mail] = mail_to(smtp, contact)
    message = mail.message
    # From the configured sender (SPF/DKIM pass for it); the display name says who wrote it, and
    # replies go to the CSM.
    assert only_address(message, "From") == (f"{csm_user.name} at Org {org.tag}", SENDER)
    assert mail.mail_from == SENDER
    assert only_address(message, "Reply-To")[1] == csm_user.email
    assert only_address(message, "To") == ("Jo Acme", contact)
    assert only_address(message, "Cc")[1] == "ops@acme.test"
    assert set(mail.rcpt_tos) == {contact, "ops@acme.test"}
    assert message["Subject"] == "Welcome aboard, Jo"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hi Jo," in text and "Hi Jo," in html and "{{" not in text + html
    assert f"/portal/{org.slug}/" in text  # the merge fields were filled before it left accounts
    assert f"<strong>{csm_user.name.split()[0]}</strong>" in html  # the Markdown became HTML

    account = call(suite, csm, "GET", f"/api/accounts/accounts/{account_id}")
    assert find(account, "Welcome email")["state"] == "executed"
    [delivery] = deliveries_of(suite, csm, action_id)
    assert delivery["status"] == "delivered" and delivery["channel"] == "email" and delivery["attempts"] == 1
    assert delivery["provider_message_id"] == message["Message-ID"]
    assert delivery["account_id"] == account_id and delivery["subject"] == "Welcome aboard, Jo"
    assert [p["email"] for p in delivery["cc"]] == ["ops@acme.test"]

    # The same request again, as a redelivery under a new event id (the relay published it twice,
    # or a replay): connectors keeps one delivery per request, and nothing more is sent.
    [stored] = delivery_requests(suite, account_id)
    again = Envelope.from_dict({**stored, "id": str(uuid.uuid4())})
    assert again.data["request_id"] == stored["data"]["request_id"]
    apply_event(suite.runtimes["connectors"], again)
    assert run_sender(suite) == 0
    suite.deliver_events()
    assert len(mail_to(smtp, contact)) == 1
    assert len(deliveries_of(suite, csm, action_id)) == 1
    assert find(call(suite, csm, "GET", f"/api/accounts/accounts/{account_id}"), "Welcome email")["state"] == "executed"


def test_a_busy_mail_server_is_tried_again_and_the_email_goes_once(suite, smtp, csm, template_id):
    account_id, action_id, contact = ready_welcome(suite, csm, template_id, "Globex")
    smtp.fail_next(1, "451 4.3.0 Try again later")

    execute_and_send(suite, csm, account_id, action_id)
    [mail] = mail_to(smtp, contact)
    [delivery] = deliveries_of(suite, csm, action_id)
    assert delivery["status"] == "delivered" and delivery["attempts"] == 2
    assert delivery["provider_message_id"] == mail.message["Message-ID"]
    first, second = delivery["attempt_log"]
    assert first["error"]["code"] == "mail_server_busy" and first["error"]["retryable"] is True
    assert "451" in first["error"]["message"]
    assert "error" not in second or not second["error"]
    assert find(call(suite, csm, "GET", f"/api/accounts/accounts/{account_id}"), "Welcome email")["state"] == "executed"


def test_a_refused_email_puts_the_action_back_in_ready_with_the_reason(suite, smtp, csm, template_id):
    account_id, action_id, contact = ready_welcome(suite, csm, template_id, "Initech")
    smtp.fail_next(1, "554 5.7.1 Message rejected as spam")

    execute_and_send(suite, csm, account_id, action_id)
    assert mail_to(smtp, contact) == []
    [delivery] = deliveries_of(suite, csm, action_id)
    assert delivery["status"] == "failed" and delivery["attempts"] == 1  # a 5xx is final: no retry
    assert delivery["error"]["code"] == "rejected" and delivery["error"]["retryable"] is False
    assert "554 5.7.1 Message rejected as spam" in delivery["error"]["message"]

    # accounts heard connectors.delivery_failed.v1: the action waits for the CSM again, saying why.
    action = find(call(suite, csm, "GET", f"/api/accounts/accounts/{account_id}"), "Welcome email")
    assert action["state"] == "ready"
    assert action["last_error"]["code"] == "rejected"
    assert "554 5.7.1 Message rejected as spam" in action["last_error"]["message"]
    shown = find(call(suite, csm, "GET", f"/api/accounts/accounts/{account_id}/implementation"), "Welcome email")
    assert shown["last_error"]["code"] == "rejected"
    assert shown["last_error"]["text"].startswith("Could not send “Welcome email”")
    assert "554 5.7.1 Message rejected as spam" in shown["last_error"]["text"]
    history = call(suite, csm, "GET", f"/api/accounts/accounts/{account_id}/actions/{action_id}/history")["items"]
    failed = [entry for entry in history if entry["kind"] == "delivery_failed"]
    assert len(failed) == 1 and "554 5.7.1 Message rejected as spam" in failed[0]["text"]

    # Once the server takes it, executing again sends it (a new request, a new delivery).
    assert execute_and_send(suite, csm, account_id, action_id) == 1
    assert len(mail_to(smtp, contact)) == 1
    assert find(call(suite, csm, "GET", f"/api/accounts/accounts/{account_id}"), "Welcome email")["state"] == "executed"
    assert sorted(d["status"] for d in deliveries_of(suite, csm, action_id)) == ["delivered", "failed"]


def test_an_admin_sends_a_test_email_to_themselves(suite, smtp):
    # The suite's "delivery" seed already sent each admin one: this test counts from there.
    admin_email = suite.orgs["A"].admin_email
    before = {mail.message["Message-ID"] for mail in mail_to(smtp, admin_email)}
    logged = {d["id"] for d in call(suite, suite.as_admin(), "GET", "/api/connectors/deliveries?kind=test")["items"]}
    sent = call(suite, suite.as_admin(), "POST", "/api/connectors/test-messages", {"channel": "email"})
    assert sent["status"] == "delivered" and sent["kind"] == "test" and sent["attempts"] == 1
    assert [p["email"] for p in sent["to"]] == [admin_email]
    [mail] = [mail for mail in mail_to(smtp, admin_email) if mail.message["Message-ID"] not in before]
    assert mail.message["Subject"] == sent["subject"] and sent["provider_message_id"] == mail.message["Message-ID"]
    assert only_address(mail.message, "From")[1] == SENDER
    assert only_address(mail.message, "To")[1] == admin_email
    # It is in the delivery log as a test; no action waits for it.
    listed = call(suite, suite.as_admin(), "GET", "/api/connectors/deliveries?kind=test")["items"]
    assert {d["id"] for d in listed} - logged == {sent["id"]}
    assert sent["action_id"] is None and sent["account_id"] is None
