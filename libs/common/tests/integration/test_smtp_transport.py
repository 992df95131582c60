"""SmtpTransport against a real SMTP server (aiosmtpd) on the loopback interface."""

from __future__ import annotations

import base64
import smtplib
import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from stitch.common.mail import Mail, MailFailure, SmtpTransport, classify
from stitch.common.testing.smtp_server import SmtpTestServer

SENDER = "Stitch <no-reply@stitch.example>"
MAIL = Mail(to="ada@customer.example", subject="Reset your password",
            text="Reset it at https://app.stitch.example/reset?token=abc", html="<p>Reset it <a href='#'>here</a></p>")


class Inbox:
    """aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.authenticated: list[bool] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        self.authenticated.append(bool(session.authenticated))
        return "250 OK"


def free_port() -> int:
    # aiosmtpd's controller connects to its own port to check it is up, so port 0 will not do.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(inbox: Inbox, **smtp_options) -> Controller:
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **smtp_options)
    controller.start()
    return controller


@pytest.fixture
def plain_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = serve(inbox)
    yield inbox, controller.port
    controller.stop()


def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"bob@corp", b"p@ss w0rd")
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


@pytest.fixture
def auth_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    # AUTH without TLS only because this is a loopback test server.
    controller = serve(inbox, authenticator=authenticate, auth_require_tls=False)
    yield inbox, controller.port
    controller.stop()


def received(inbox: Inbox):
    [envelope] = inbox.envelopes
    return envelope, message_from_bytes(envelope.content, policy=default_policy)


def test_a_mail_arrives_with_its_headers_and_both_parts(plain_server):
    inbox, port = plain_server

    SmtpTransport("127.0.0.1", port, SENDER, security="none").send(MAIL)

    envelope, message = received(inbox)
    assert envelope.mail_from == "no-reply@stitch.example"
    assert envelope.rcpt_tos == ["ada@customer.example"]
    assert (message["From"], message["To"], message["Subject"]) == (SENDER, MAIL.to, MAIL.subject)
    assert message["Message-ID"] and message["Date"]
    assert message.get_body(preferencelist=("plain",)).get_content().strip() == MAIL.text
    assert message.get_body(preferencelist=("html",)).get_content().strip() == MAIL.html


def test_each_send_is_its_own_connection(plain_server):
    inbox, port = plain_server
    transport = SmtpTransport("127.0.0.1", port, SENDER, security="none")

    transport.send(MAIL)
    transport.send(Mail(to="bob@other.example", subject="Second", text="Hi"))

    assert [e.rcpt_tos for e in inbox.envelopes] == [["ada@customer.example"], ["bob@other.example"]]


def test_starttls_is_never_skipped_when_the_server_lacks_it(plain_server):
    inbox, port = plain_server

    with pytest.raises(smtplib.SMTPNotSupportedError):
        SmtpTransport("127.0.0.1", port, SENDER, security="starttls").send(MAIL)
    assert inbox.envelopes == []


def test_login_with_credentials(auth_server):
    inbox, port = auth_server

    SmtpTransport("127.0.0.1", port, SENDER, username="bob@corp", password="p@ss w0rd", security="none").send(MAIL)

    _, message = received(inbox)
    assert message["Subject"] == MAIL.subject
    assert inbox.authenticated == [True]


def test_wrong_credentials_fail_and_nothing_is_sent(auth_server):
    inbox, port = auth_server

    with pytest.raises(smtplib.SMTPAuthenticationError):
        SmtpTransport("127.0.0.1", port, SENDER, username="bob@corp", password="wrong", security="none").send(MAIL)
    assert inbox.envelopes == []


# Customer mail: several recipients, refusals, and what classify() makes of real server replies.
# These use SmtpTestServer (the ``smtp_server`` fixture) from stitch.common.testing.


def a_transport(port: int, **options) -> SmtpTransport:
    return SmtpTransport("127.0.0.1", port, SENDER, security="none", **options)


def test_to_cc_and_bcc_are_all_envelope_recipients_and_bcc_stays_off_the_wire(smtp_server):
    mail = Mail(to='"Doe, Jane" <jane@customer.example>, Zoë <zoe@customer.example>', subject="Kickoff",
                text="Hello", cc=("carol@customer.example",), bcc=("audit@lumen.example",),
                reply_to="maya@lumen.example")

    delivered = a_transport(smtp_server.port).deliver(mail)

    [received] = smtp_server.wait_for(1)
    assert received.mail_from == "no-reply@stitch.example"
    assert sorted(received.rcpt_tos) == ["audit@lumen.example", "carol@customer.example", "jane@customer.example",
                                         "zoe@customer.example"]
    assert [a.display_name for a in received.message["To"].addresses] == ["Doe, Jane", "Zoë"]
    assert received.message["Cc"] == "carol@customer.example"
    assert received.message["Reply-To"] == "maya@lumen.example"
    assert "Bcc" not in received.message and b"audit@lumen.example" not in received.raw
    assert received.message["Message-ID"] == delivered.message_id and delivered.refused == ()


def test_a_partial_refusal_is_reported_and_the_others_still_get_the_mail(smtp_server):
    smtp_server.refuse_recipient("Gone@Customer.example", "550 5.1.1 No such user")

    delivered = a_transport(smtp_server.port).deliver(
        Mail(to="ada@customer.example, gone@customer.example", subject="Hi", text="Hello", cc=("bob@customer.example",)))

    assert delivered.refused == ("gone@customer.example",)
    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ("ada@customer.example", "bob@customer.example")


def test_every_recipient_refused_is_an_error(smtp_server):
    smtp_server.refuse_recipient("ada@customer.example", "550 5.1.1 No such user")

    with pytest.raises(smtplib.SMTPRecipientsRefused) as raised:
        a_transport(smtp_server.port).send(Mail(to="ada@customer.example", subject="Hi", text="Hello"))

    failure = classify(raised.value)
    assert (failure.kind, failure.transient, failure.smtp_code) == ("recipients_refused", False, 550)
    assert failure.server_text == "ada@customer.example: 550 5.1.1 No such user"
    assert smtp_server.received == []


@pytest.mark.parametrize(("reply", "expected"), [
    ("451 4.3.0 Try again later", MailFailure(True, "busy", 451, "4.3.0 Try again later")),
    ("554 5.7.1 Rejected", MailFailure(False, "refused", 554, "5.7.1 Rejected")),
])
def test_replies_at_data_are_classified(smtp_server, reply, expected):
    smtp_server.fail_next(1, reply)
    transport = a_transport(smtp_server.port)

    with pytest.raises(smtplib.SMTPDataError) as raised:
        transport.send(MAIL)

    assert classify(raised.value) == expected
    transport.send(MAIL)  # only the next one was scripted to fail
    assert len(smtp_server.wait_for(1)) == 1


def test_a_closed_port_is_unreachable():
    with socket.socket() as probe:  # a port nothing listens on any more
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(OSError) as raised:
        a_transport(port).send(MAIL)

    assert classify(raised.value) == MailFailure(True, "unreachable", None, "Connection refused")


def test_a_server_that_never_answers_is_a_timeout():
    with socket.socket() as silent:  # accepts connections (the backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()

        with pytest.raises(OSError) as raised:
            a_transport(silent.getsockname()[1], timeout=0.3).send(MAIL)

    failure = classify(raised.value)
    assert (failure.kind, failure.transient) == ("timeout", True)


def test_a_refused_login_is_login_failed():
    with SmtpTestServer(credentials=("bob@corp", "right")) as server:
        with pytest.raises(smtplib.SMTPAuthenticationError) as raised:
            a_transport(server.port, username="bob@corp", password="wrong").send(MAIL)
        a_transport(server.port, username="bob@corp", password="right").send(MAIL)

        assert len(server.wait_for(1)) == 1
    failure = classify(raised.value)
    assert (failure.kind, failure.transient, failure.smtp_code) == ("login_failed", False, 535)


def echoing_authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    # A careless server that quotes what it got back in its refusal, plain and in base64.
    login, password = auth_data.login.decode(), auth_data.password.decode()
    echoed = base64.b64encode(f"\0{login}\0{password}".encode()).decode()
    return AuthResult(success=False, handled=False,
                      message=f"535 5.7.8 No user {login} with password {password} ({echoed})")


def test_credentials_a_server_echoes_are_cut_from_the_error():
    inbox = Inbox()
    controller = serve(inbox, authenticator=echoing_authenticate, auth_require_tls=False)
    try:
        with pytest.raises(smtplib.SMTPAuthenticationError) as raised:
            a_transport(controller.port, username="bob@corp", password="hunter2secret").send(MAIL)
    finally:
        controller.stop()

    failure = classify(raised.value)
    everything = f"{raised.value} {raised.value.smtp_error!r} {failure}"
    assert failure.kind == "login_failed" and failure.smtp_code == 535
    assert "hunter2secret" not in everything and "bob@corp" not in everything
    assert base64.b64encode(b"\0bob@corp\0hunter2secret").decode() not in everything
    assert "***" in failure.server_text


def test_wait_for_says_how_many_arrived_when_it_times_out(smtp_server):
    a_transport(smtp_server.port).send(MAIL)

    with pytest.raises(AssertionError, match="expected 2 mail"):
        smtp_server.wait_for(2, timeout=0.2)


def test_scripted_replies_must_be_smtp_replies(smtp_server):
    with pytest.raises(ValueError):
        smtp_server.fail_next(1, "try again")
    with pytest.raises(ValueError):
        smtp_server.refuse_recipient("a@b.example", "\r\n550 no")
