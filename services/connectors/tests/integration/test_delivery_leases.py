"""What the second reader found in delivery, each pinned by a test: leases held per send, answers
that never came, requests that cannot be sent, and tokens that expired while Slack's sign-in was down."""

from __future__ import annotations

import http.server
import socket
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from stitch.common.mail import SmtpTransport
from stitch.connectors.adapters.email_sender import TransportEmailSender
from stitch.connectors.adapters.slack_api import SlackWebApi
from stitch.connectors.application import delivering
from stitch.connectors.domain.failures import SendFailure
from stitch.connectors.domain.messages import Branding, OutgoingEmail, Person, SlackMessage

from .conftest import FAILED, ORG_A, SUCCEEDED


def test_a_delivery_another_worker_claimed_after_the_lease_ran_out_is_left_to_it(connectors):
    """Worker 1 claimed two deliveries and was slow; the second one's lease ran out and worker 2
    claimed it. Worker 1 must not start it (it would fail worker 2's send as "outcome unknown")."""
    connectors.request_email(subject="First")
    connectors.request_email(subject="Second")
    deps_uow = connectors.runtime.uow
    now = connectors.clock()
    with deps_uow() as uow:
        mine = uow.delivery_queue.claim(now, 10, now + timedelta(minutes=5))
        uow.commit()
    assert len(mine) == 2
    connectors.clock.move(minutes=6)  # worker 1's lease ran out before it got to them
    with deps_uow() as uow:
        theirs = uow.delivery_queue.claim(connectors.clock(), 10, connectors.clock() + timedelta(minutes=5))
        uow.commit()
    assert {item.item_id for item in theirs} == {item.item_id for item in mine}

    deps = _deps(connectors)
    assert delivering.send_one(deps, mine[0]) is None  # not worker 1's any more: nothing sent
    assert connectors.smtp.received == []
    sent = [delivering.send_one(deps, item) for item in theirs]  # worker 2 sends both, once each
    assert [str(d.status) for d in sent] == ["delivered", "delivered"]
    assert len(connectors.smtp.wait_for(2)) == 2 and len(connectors.outbox(SUCCEEDED)) == 2


def test_a_lease_is_renewed_when_each_send_starts(connectors):
    connectors.request_email()
    deps = _deps(connectors)
    with connectors.runtime.uow() as uow:
        [item] = uow.delivery_queue.claim(connectors.clock(), 10, connectors.clock() + timedelta(minutes=5))
        uow.commit()
    connectors.clock.move(minutes=4)  # late in the claim's lease, the send starts: its own lease begins now
    with connectors.runtime.uow() as uow:
        assert uow.delivery_queue.hold(item, connectors.clock() + deps.lease)
        uow.commit()
    queue = connectors.runtime.metadata.tables["delivery_queue"]
    with connectors.runtime.engine.connect() as db:
        leased_until = db.execute(select(queue.c.leased_until)).scalar_one()
    assert leased_until == connectors.clock() + deps.lease


def test_a_request_that_cannot_be_sent_is_answered_at_once_not_retried(connectors):
    request = connectors.request_email(to=[], subject="")
    assert connectors.run() == 0  # never queued
    [answer] = connectors.outbox(FAILED)
    assert answer["data"]["request_id"] == request["request_id"]
    assert answer["data"]["error"]["code"] == "invalid_request" and answer["data"]["error"]["retryable"] is False
    assert "no recipient" in answer["data"]["error"]["message"]
    assert str(connectors.delivery(request).status) == "failed"


def test_a_long_correlation_id_does_not_stop_the_request_being_kept(connectors):
    from stitch.common.envelope import new_event

    data = {"request_id": "5b0e2f8a-0000-4000-8000-000000000001", "account_id": "3f6c1e0a-9b7d-4c2e-8f1a-2d3c4b5a6e7f",
            "action_id": "5b0e2f8a-0000-4000-8000-000000000002", "channel": "email",
            "requested_at": connectors.clock().isoformat(), "auto_sent": False,
            "email": connectors_email()}
    envelope = new_event("accounts", "accounts.delivery_requested.v1", data, ORG_A)
    envelope = type(envelope).from_dict({**envelope.to_dict(), "correlationid": "c" * 128})
    assert connectors.apply(envelope)
    assert connectors.run() == 1 and len(connectors.outbox(SUCCEEDED)) == 1


def test_an_smtp_answer_lost_after_the_message_went_out_is_never_sent_again(connectors):
    """The server takes the message and never answers: retrying could deliver it twice."""
    with _silent_after_data() as port:
        sender = TransportEmailSender(SmtpTransport("127.0.0.1", port, "onboarding@stitch.test", security="none",
                                                    timeout=1), "onboarding@stitch.test")
        with pytest.raises(SendFailure) as raised:
            sender.send(_email())
    assert raised.value.code == "outcome_unknown" and raised.value.retryable is False


def test_a_slack_answer_lost_after_the_post_is_never_posted_again():
    with _slow_http() as url:
        with pytest.raises(SendFailure) as raised:
            SlackWebApi(url, timeout=1).post_message("xoxb-t", SlackMessage("#acme", "Hello"))
    assert raised.value.code == "outcome_unknown" and raised.value.retryable is False


def test_slack_unreachable_before_the_post_is_retried():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(SendFailure) as raised:
        SlackWebApi(f"http://127.0.0.1:{port}/api/", timeout=1).post_message("xoxb-t", SlackMessage("#acme", "Hi"))
    assert raised.value.retryable is True and raised.value.code in ("slack_unreachable", "timeout")


def test_an_expired_token_while_slack_sign_in_is_down_waits_instead_of_asking_for_a_reconnect(connectors):
    connection = connectors.connect_slack()
    connectors.slack.add_channel("#acme-onboarding", member=True)
    connectors.clock.now = connection.token_expires_at + timedelta(minutes=1)  # expired; the refresh fails
    connectors.slack.fail_next("oauth.v2.access", count=1, status=503)
    request = connectors.request_slack("#acme-onboarding")
    connectors.run()
    delivery = connectors.delivery(request)
    assert str(delivery.status) == "retrying" and delivery.error.code == "token_refresh_failed"
    assert str(connectors.slack_connection().status) == "error"  # not needs_reconnect
    connectors.clock.move(minutes=10)  # Slack's sign-in is back: the refresh and the post go through
    connectors.run()
    assert str(connectors.delivery(request).status) == "delivered"
    assert str(connectors.slack_connection().status) == "connected"


def test_a_test_message_whose_request_died_mid_send_is_settled_by_the_scan(connectors):
    connectors.staff_user()
    deps = _deps(connectors)
    delivery_id = None
    original = delivering._send

    def dies(deps_, delivery):
        nonlocal delivery_id
        delivery_id = delivery.id
        raise KeyboardInterrupt  # the request's process stops here

    delivering._send = dies
    try:
        with pytest.raises(KeyboardInterrupt):
            connectors.use["send_test_email"](ORG_A, "6a0c1e52-0000-4000-8000-00000000c5a1", None)
    finally:
        delivering._send = original
    connectors.clock.move(seconds=deps.lease.total_seconds() + 1)
    assert connectors.run() == 1
    settled = connectors.use["delivery"](ORG_A, delivery_id)
    assert str(settled.status) == "failed" and settled.error.code == "outcome_unknown"
    assert connectors.smtp.received == [] and connectors.outbox(FAILED) == []  # a test is answered in the API


def test_a_request_with_a_null_copy_list_is_answered_not_dead_lettered(connectors):
    request = connectors.request_email(cc=None, bcc=None)  # tolerated: read as no copies
    assert connectors.run() == 1 and len(connectors.outbox(SUCCEEDED)) == 1
    bad = connectors.request_email(cc="sam@northwind.example")  # not a list of people
    [answer] = connectors.outbox(FAILED)
    assert (answer["data"]["request_id"], answer["data"]["error"]["code"]) == (bad["request_id"], "invalid_request")
    assert str(connectors.delivery(request).status) == "delivered"


def test_a_posted_slack_message_stays_delivered_when_the_bookkeeping_after_it_fails(connectors, monkeypatch):
    """The connection was in error; the post goes through; marking it working again fails. The
    message must not be reported failed (and posted again on the retry)."""
    from stitch.connectors.application import vault

    connectors.connect_slack()
    connectors.slack.add_channel("#acme-onboarding", member=True)
    with connectors.runtime.uow() as uow:
        uow.set_org(ORG_A)
        connection = uow.connections.active(ORG_A, "slack", lock=True)
        connection.failed("Slack had a problem (HTTP 503).", connectors.clock(), needs_reconnect=False)
        uow.connections.save(connection)
        uow.commit()

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(vault, "connection_worked", broken)
    request = connectors.request_slack("#acme-onboarding")
    connectors.run()
    connectors.clock.move(hours=2)
    connectors.run()
    assert str(connectors.delivery(request).status) == "delivered"
    assert len(connectors.slack.messages) == 1


def test_a_mail_the_server_took_is_delivered_whatever_quit_answers():
    with _smtp_that_fails_quit() as port:
        sender = TransportEmailSender(SmtpTransport("127.0.0.1", port, "onboarding@stitch.test", security="none",
                                                    timeout=2), "onboarding@stitch.test")
        delivered = sender.send_detailed(_email())
    assert delivered.message_id.endswith("@stitch.test>")


def test_a_queued_test_message_whose_request_ended_is_not_sent_by_the_scan(connectors):
    deps = _deps(connectors)
    with connectors.runtime.uow() as uow:  # what sample_messages leaves when its request dies right after
        from stitch.connectors.domain.deliveries import Delivery
        uow.set_org(ORG_A)
        uow.deliveries.add(Delivery(id="7d1f0c3e-0000-4000-8000-000000000001", org_id=ORG_A,
                                    request_id="7d1f0c3e-0000-4000-8000-000000000002", kind="test", channel="email",
                                    content=connectors_email(), requested_at=connectors.clock()))
        uow.delivery_queue.lease_now(ORG_A, "7d1f0c3e-0000-4000-8000-000000000001", connectors.clock() + deps.lease)
        uow.commit()
    connectors.clock.move(seconds=deps.lease.total_seconds() + 1)
    assert connectors.run() == 1
    settled = connectors.use["delivery"](ORG_A, "7d1f0c3e-0000-4000-8000-000000000001")
    assert (str(settled.status), settled.error.code) == ("failed", "test_abandoned")
    assert connectors.smtp.received == []


# -- helpers --------------------------------------------------------------------------------------

def _deps(connectors):
    return connectors.runtime.use_cases["run_due_deliveries"].args[0]


def connectors_email():
    from .conftest import email_content
    return email_content()


def _email() -> OutgoingEmail:
    return OutgoingEmail(from_name="Jordan Lee", reply_to=None, to=(Person("Priya", "priya@northwind.example"),),
                         cc=(), bcc=(), subject="Hello", body_markdown="Hi", notification=False,
                         branding=Branding.plain("Lumen"))


class _silent_after_data:
    """An SMTP server that takes the whole message and then never answers."""

    def __enter__(self) -> int:
        self._server = socket.create_server(("127.0.0.1", 0))
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()
        return self._server.getsockname()[1]

    def _serve(self) -> None:
        connection, _ = self._server.accept()
        with connection:
            reader = connection.makefile("rb")
            connection.sendall(b"220 silent.test ESMTP\r\n")
            in_data = False
            for line in reader:
                if in_data:
                    if line == b".\r\n":
                        self._stop.wait(5)  # the message is in: say nothing
                        return
                    continue
                verb = line[:4].upper()
                if verb == b"DATA":
                    connection.sendall(b"354 go ahead\r\n")
                    in_data = True
                elif verb in (b"EHLO", b"HELO"):
                    connection.sendall(b"250 silent.test\r\n")
                else:
                    connection.sendall(b"250 ok\r\n")

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._server.close()


class _smtp_that_fails_quit(_silent_after_data):
    """Takes the message (250), then answers QUIT with 421."""

    def _serve(self) -> None:
        connection, _ = self._server.accept()
        with connection:
            reader = connection.makefile("rb")
            connection.sendall(b"220 quitter.test ESMTP\r\n")
            in_data = False
            for line in reader:
                if in_data:
                    if line == b".\r\n":
                        connection.sendall(b"250 2.0.0 queued\r\n")
                        in_data = False
                    continue
                verb = line[:4].upper()
                if verb == b"DATA":
                    connection.sendall(b"354 go ahead\r\n")
                    in_data = True
                elif verb == b"QUIT":
                    connection.sendall(b"421 4.3.2 shutting down\r\n")
                    return
                elif verb in (b"EHLO", b"HELO"):
                    connection.sendall(b"250 quitter.test\r\n")
                else:
                    connection.sendall(b"250 ok\r\n")


class _slow_http:
    """An HTTP server that reads the request whole and answers too late."""

    def __enter__(self) -> str:
        stop = self._stop = threading.Event()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the standard library's name
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                stop.wait(5)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()


