"""Outbound delivery through the real runtime: requests from accounts become email over a real SMTP
server and Slack messages at the fake slack.com, each request sent once and answered once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlalchemy import select, update

from stitch.connectors.adapters.tables import deliveries, delivery_queue
from stitch.connectors.domain.deliveries import DeliveryStatus
from stitch.connectors.domain.errors import NotFound

pytestmark = pytest.mark.integration


def html_of(received) -> str:
    return received.message.get_body(("html",)).get_content()


def text_of(received) -> str:
    return received.message.get_body(("plain",)).get_content()


def sender_name(received) -> str:
    [sender] = received.message["From"].addresses
    return sender.display_name


# email ---------------------------------------------------------------------------------------------


def test_an_email_request_is_sent_once_and_answered_with_its_message_id(connectors, kit):
    request = connectors.request_email()

    assert connectors.run() == 1

    [received] = connectors.smtp.wait_for(1)
    message = received.message
    assert received.mail_from == kit.SENDER
    assert sorted(received.rcpt_tos) == ["audit@lumen.example", "priya.raman@northwind.example",
                                         "sam.ortiz@northwind.example"]  # Bcc is an envelope recipient only
    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Jordan Lee", kit.SENDER)  # no org known yet: the CSM
    assert [(a.display_name, a.addr_spec) for a in message["To"].addresses] == [
        ("Priya Raman", "priya.raman@northwind.example")]
    assert [a.addr_spec for a in message["Cc"].addresses] == ["sam.ortiz@northwind.example"]
    assert "Bcc" not in message
    assert message["Reply-To"] == "jordan.lee@lumen.example"
    assert message["Subject"] == "Welcome to Lumen, Priya"
    assert "Your first step: the **setup questionnaire** in your portal." in text_of(received)
    assert "<strong>setup questionnaire</strong>" in html_of(received)
    assert "List-Unsubscribe" not in message  # an action's email, not a notification

    [answer] = connectors.answers()
    assert answer["type"] == kit.SUCCEEDED and answer["orgid"] == kit.ORG_A
    assert answer["data"]["request_id"] == request["request_id"]
    assert answer["data"]["action_id"] == request["action_id"]
    assert answer["data"]["provider_message_id"] == message["Message-ID"]
    delivery = connectors.delivery(request)
    assert (delivery.status, delivery.attempts, delivery.provider_message_id) == (
        DeliveryStatus.DELIVERED, 1, message["Message-ID"])
    assert connectors.run() == 0  # nothing left in the queue


def test_the_sender_reads_csm_at_organization_then_at_the_brand(connectors):
    connectors.organization(name="Lumen")
    connectors.request_email()
    connectors.run()
    connectors.branding(company_name="Lumen Analytics")
    connectors.request_email()
    connectors.run()

    first, second = connectors.smtp.wait_for(2)
    assert sender_name(first) == "Jordan Lee at Lumen"
    assert sender_name(second) == "Jordan Lee at Lumen Analytics"


def test_the_same_request_delivered_twice_is_one_email_and_one_answer(connectors, kit):
    request = connectors.request_email()
    connectors.request_email(request_id=request["request_id"])  # a new event id, the same request id

    assert connectors.run() == 1
    connectors.request_email(request_id=request["request_id"])  # redelivered again after it went out
    assert connectors.run() == 0

    assert len(connectors.smtp.wait_for(1)) == 1
    assert len(connectors.answers()) == 1
    assert len(connectors.use["deliveries"](kit.ORG_A, {}, 10, None)) == 1


def test_a_busy_mail_server_is_retried_after_the_backoff(connectors, kit):
    connectors.smtp.fail_next(1, "451 4.3.0 Try again later")
    request = connectors.request_email()
    started = connectors.clock()

    connectors.run()

    delivery = connectors.delivery(request)
    assert delivery.status is DeliveryStatus.RETRYING and delivery.attempts == 1
    wait = delivery.next_attempt_at - started
    assert timedelta(seconds=kit.BACKOFF * 0.8) <= wait <= timedelta(seconds=kit.BACKOFF * 1.2)
    assert delivery.error.code == "mail_server_busy" and "451" in delivery.error.message
    assert connectors.answers() == []  # nothing answered while it may still go out
    assert connectors.smtp.received == []

    connectors.clock.now = delivery.next_attempt_at - timedelta(seconds=1)
    assert connectors.run() == 0  # not due yet

    connectors.clock.now = delivery.next_attempt_at
    assert connectors.run() == 1
    [received] = connectors.smtp.wait_for(1)
    delivery = connectors.delivery(request)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 2)
    assert [entry["result"] for entry in delivery.attempt_log] == ["failed", "delivered"]
    assert delivery.attempt_log[0]["error"]["code"] == "mail_server_busy"
    [answer] = connectors.answers()
    assert answer["type"] == kit.SUCCEEDED
    assert answer["data"]["provider_message_id"] == received.message["Message-ID"]


def test_a_refused_message_fails_at_once_quoting_the_server(connectors, kit):
    connectors.smtp.fail_next(1, "554 5.7.1 Message rejected as spam")
    request = connectors.request_email()

    connectors.run()

    delivery = connectors.delivery(request)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.FAILED, 1, None)
    [answer] = connectors.answers()
    assert answer["type"] == kit.FAILED
    assert answer["data"]["request_id"] == request["request_id"]
    error = answer["data"]["error"]
    assert (error["code"], error["retryable"]) == ("rejected", False)
    assert "554 5.7.1 Message rejected as spam" in error["message"]
    connectors.clock.move(hours=2)
    assert connectors.run() == 0  # never tried again
    assert connectors.smtp.received == []


def test_when_the_attempts_run_out_the_failure_says_trying_later_may_work(build_connectors, kit):
    connectors = build_connectors(delivery_attempts=2)
    connectors.smtp.fail_next(2, "451 4.3.0 Try again later")
    request = connectors.request_email()

    connectors.run()
    connectors.clock.now = connectors.delivery(request).next_attempt_at
    connectors.run()

    delivery = connectors.delivery(request)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)
    [answer] = connectors.answers()
    assert answer["type"] == kit.FAILED
    error = answer["data"]["error"]
    assert (error["code"], error["retryable"]) == ("mail_server_busy", True)
    assert "tried 2 times" in error["message"]
    assert connectors.smtp.received == []


def test_the_portal_branding_reaches_the_html(connectors):
    connectors.organization(name="Lumen")
    connectors.branding(company_name="Lumen Analytics", logo_url="https://cdn.lumen.example/logo.png",
                        primary_color="#0f766e", accent_color="#b45309", support_email="help@lumen.example")
    connectors.request_email()

    connectors.run()

    [received] = connectors.smtp.wait_for(1)
    html = html_of(received)
    assert '<img src="https://cdn.lumen.example/logo.png" alt="Lumen Analytics"' in html
    assert "background-color:#0f766e" in html
    assert "color:#b45309" in html  # links in the accent colour
    assert "mailto:help@lumen.example" in html
    assert "Questions? Write to help@lumen.example" in text_of(received)


def test_a_notification_email_carries_list_unsubscribe(connectors):
    connectors.branding(company_name="Lumen", support_email="help@lumen.example")
    connectors.request_email(notification=True, subject="Your weekly onboarding summary")

    connectors.run()

    [received] = connectors.smtp.wait_for(1)
    assert received.message["List-Unsubscribe"] == "<mailto:help@lumen.example?subject=unsubscribe>"


def test_a_delivery_left_sending_is_failed_as_outcome_unknown_and_never_sent_blind(connectors, kit):
    request = connectors.request_email()
    delivery = connectors.delivery(request)
    started = connectors.clock()
    # What a worker that died mid-send leaves behind: the attempt started, its queue lease run out.
    connectors.edit(kit.ORG_A, update(deliveries).where(deliveries.c.id == delivery.id).values(
        status="sending", attempts=1, attempt_log=[{"attempt": 1, "started_at": started.isoformat()}]))
    connectors.edit(kit.ORG_A, update(delivery_queue).where(delivery_queue.c.delivery_id == delivery.id)
                    .values(leased_until=started - timedelta(seconds=1)))

    assert connectors.run() == 1

    delivery = connectors.delivery(request)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert delivery.error.code == "outcome_unknown"
    assert delivery.attempt_log[0]["result"] == "failed"
    [answer] = connectors.answers()
    assert answer["type"] == kit.FAILED
    # Not "retryable": sending it again is exactly how a customer would get it twice.
    assert (answer["data"]["error"]["code"], answer["data"]["error"]["retryable"]) == ("outcome_unknown", False)
    assert connectors.run() == 0
    assert connectors.smtp.received == []


def test_on_postgresql_the_service_sees_only_the_org_of_its_transaction(connectors, kit, backend):
    if backend != "postgresql":
        pytest.skip("SQLite has no row-level security; the repositories filter by org there")
    connectors.request_email(org=kit.ORG_A)
    connectors.request_email(org=kit.ORG_B)

    for org in (kit.ORG_A, kit.ORG_B):
        with connectors.runtime.uow() as uow:  # the app role, with no org filter in the query
            uow.set_org(org)
            assert set(uow.session.execute(select(deliveries.c.org_id)).scalars()) == {org}
    assert len(connectors.rows("deliveries")) == 2


# Slack ---------------------------------------------------------------------------------------------


def test_a_slack_message_is_posted_to_the_channel(connectors, kit):
    channel_id = connectors.slack.add_channel("#northwind-onboarding")
    connectors.connect_slack()
    request = connectors.request_slack("#northwind-onboarding", "Kickoff is confirmed for Monday 10:00.")

    assert connectors.run() == 1

    [posted] = connectors.slack.messages
    assert (posted.channel, posted.text) == (channel_id, "Kickoff is confirmed for Monday 10:00.")
    [answer] = connectors.answers()
    assert answer["type"] == kit.SUCCEEDED and answer["data"]["channel"] == "slack"
    assert answer["data"]["provider_message_id"] == posted.ts
    assert connectors.delivery(request).status is DeliveryStatus.DELIVERED


def test_a_channel_the_app_is_not_in_fails_naming_the_channel(connectors, kit):
    connectors.slack.add_channel("#northwind-onboarding", member=False)
    connectors.connect_slack()
    request = connectors.request_slack("#northwind-onboarding")

    connectors.run()

    assert connectors.slack.messages == []
    [answer] = connectors.answers()
    error = answer["data"]["error"]
    assert (answer["type"], error["code"], error["retryable"]) == (kit.FAILED, "bot_not_in_channel", False)
    assert "#northwind-onboarding" in error["message"]
    assert connectors.delivery(request).status is DeliveryStatus.FAILED
    assert connectors.slack_connection().status == "connected"  # the channel's fault, not the connection's


def test_account_channel_goes_to_the_accounts_channel_else_the_default_else_fails(connectors, kit):
    account_channel = connectors.slack.add_channel("#northwind-onboarding")
    default_channel = connectors.slack.add_channel("#customer-onboarding")
    other_account = "3f6c1e0a-9b7d-4c2e-8f1a-00000000beef"
    connectors.connect_slack()

    connectors.request_slack("account_channel", "no channel anywhere")
    connectors.run()
    [answer] = connectors.answers()
    assert (answer["type"], answer["data"]["error"]["code"]) == (kit.FAILED, "channel_not_set")

    with pytest.raises(NotFound):  # connectors has not heard of the account yet
        connectors.use["set_account_channel"](kit.ORG_A, kit.CSM, kit.ACCOUNT, "#northwind-onboarding")
    connectors.account(kit.ACCOUNT)
    connectors.use["set_account_channel"](kit.ORG_A, kit.CSM, kit.ACCOUNT, "#northwind-onboarding")
    connectors.use["set_default_channel"](kit.ORG_A, "slack", "#customer-onboarding")
    connectors.request_slack("account_channel", "to the account's channel")
    connectors.request_slack("account_channel", "to the default channel", account_id=other_account)
    connectors.run()

    assert sorted((m.channel, m.text) for m in connectors.slack.messages) == sorted([
        (account_channel, "to the account's channel"), (default_channel, "to the default channel")])
    assert [a["type"] for a in connectors.answers()] == [kit.FAILED, kit.SUCCEEDED, kit.SUCCEEDED]


def test_slack_asking_to_slow_down_is_retried_after_its_retry_after(connectors, kit):
    channel_id = connectors.slack.add_channel("#northwind-onboarding")
    connectors.connect_slack()
    connectors.slack.fail_next("chat.postMessage", 1, status=429, retry_after=7)
    request = connectors.request_slack("#northwind-onboarding")
    started = connectors.clock()

    connectors.run()

    delivery = connectors.delivery(request)
    assert delivery.status is DeliveryStatus.RETRYING
    assert delivery.next_attempt_at == started + timedelta(seconds=7)  # Slack's wait, not the backoff
    assert connectors.answers() == []
    connectors.clock.move(seconds=6)
    assert connectors.run() == 0
    connectors.clock.move(seconds=1)
    assert connectors.run() == 1
    assert [m.channel for m in connectors.slack.messages] == [channel_id]
    delivery = connectors.delivery(request)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 2)
    assert [a["type"] for a in connectors.answers()] == [kit.SUCCEEDED]


def test_a_revoked_token_fails_the_delivery_and_asks_for_a_reconnect(connectors, kit):
    connectors.slack.add_channel("#northwind-onboarding")
    connectors.connect_slack()
    changes_before = len(connectors.outbox(kit.CONNECTION_CHANGED))
    # The workspace uninstalls the app: Slack revokes its tokens.
    token = connectors.slack.issued[-1].access_token
    assert requests.post(f"{connectors.slack.api_url}auth.revoke", headers={"Authorization": f"Bearer {token}"},
                         timeout=10).json()["ok"] is True
    request = connectors.request_slack("#northwind-onboarding")

    connectors.run()

    assert connectors.slack.messages == []
    [answer] = connectors.answers()
    error = answer["data"]["error"]
    assert (answer["type"], error["code"], error["retryable"]) == (kit.FAILED, "integration_needs_reconnect", False)
    assert connectors.delivery(request).status is DeliveryStatus.FAILED
    connection = connectors.slack_connection()
    assert connection.status == "needs_reconnect"
    changes = connectors.outbox(kit.CONNECTION_CHANGED)
    assert len(changes) == changes_before + 1
    assert changes[-1]["data"]["status"] == "needs_reconnect"
    assert changes[-1]["data"]["connection_id"] == connection.id


def test_without_a_slack_connection_the_delivery_fails_as_disconnected(connectors, kit):
    connectors.slack.add_channel("#northwind-onboarding")
    request = connectors.request_slack("#northwind-onboarding")

    connectors.run()

    [answer] = connectors.answers()
    error = answer["data"]["error"]
    assert (answer["type"], error["code"], error["retryable"]) == (kit.FAILED, "integration_disconnected", False)
    assert connectors.delivery(request).status is DeliveryStatus.FAILED
    assert connectors.slack.calls == []  # nothing was tried at Slack
