"""SmtpTransport against a real SMTP server (aiosmtpd) on the loopback interface."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from stitch.common.mail import Mail, SmtpTransport

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
