"""TransportEmailSender over a real SMTP server on 127.0.0.1, and over embedded mode's Maildir."""

from __future__ import annotations

import smtplib
import socket
import ssl

import pytest

from stitch.common.mail import Mail, MaildirReader, MaildirTransport, SmtpTransport
from stitch.common.testing.smtp_server import SmtpTestServer
from stitch.connectors.adapters.email_sender import TransportEmailSender
from stitch.connectors.domain.failures import SendFailure
from stitch.connectors.domain.messages import Branding, OutgoingEmail, Person

SENDER = "no-reply@stitch.example"
BODY = "Hi Ada,\n\nYour **kickoff** is on Monday: https://lumen.example/plan\n\nMaya"
LUMEN = Branding(company_name="Lumen", logo_url="https://cdn.lumen.example/logo.png", primary_color="#112233",
                 accent_color="#aa00ff", support_email="help@lumen.example")


def an_email(**changes) -> OutgoingEmail:
    fields = {"from_name": "Maya Chen", "reply_to": "maya@lumen.example",
              "to": (Person("Lovelace, Ada", "ada@customer.example"), Person("Grace", "grace@customer.example")),
              "cc": (Person("Zoë", "zoe@customer.example"),), "bcc": (Person("", "audit@lumen.example"),),
              "subject": "Your kickoff on Monday", "body_markdown": BODY, "notification": False, "branding": LUMEN}
    return OutgoingEmail(**(fields | changes))


def over_smtp(server: SmtpTestServer, **options) -> TransportEmailSender:
    transport = SmtpTransport("127.0.0.1", server.port, f"Stitch <{SENDER}>", security="none", **options)
    return TransportEmailSender(transport, SENDER)


def test_a_round_trip_over_smtp(smtp_server):
    message_id = over_smtp(smtp_server).send(an_email())

    [received] = smtp_server.wait_for(1)
    message = received.message
    assert received.mail_from == SENDER
    assert sorted(received.rcpt_tos) == ["ada@customer.example", "audit@lumen.example", "grace@customer.example",
                                         "zoe@customer.example"]
    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Maya Chen at Lumen", SENDER)
    assert [(a.display_name, a.addr_spec) for a in message["To"].addresses] == [
        ("Lovelace, Ada", "ada@customer.example"), ("Grace", "grace@customer.example")]
    assert [(a.display_name, a.addr_spec) for a in message["Cc"].addresses] == [("Zoë", "zoe@customer.example")]
    assert "Bcc" not in message
    assert message["Reply-To"] == "maya@lumen.example"
    assert message["Subject"] == "Your kickoff on Monday"
    assert message["Message-ID"] == message_id and message_id.endswith("@stitch.example>")
    assert "List-Unsubscribe" not in message  # an action's email, not a notification
    text = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")  # CRLF on the wire
    html = message.get_body(preferencelist=("html",)).get_content()
    assert text.startswith(BODY + "\n") and "Questions? Write to help@lumen.example" in text
    assert "<strong>kickoff</strong>" in html
    assert '<a href="https://lumen.example/plan" style="color:#aa00ff;' in html
    assert '<img src="https://cdn.lumen.example/logo.png"' in html


def test_a_notification_carries_list_unsubscribe(smtp_server):
    over_smtp(smtp_server).send(an_email(notification=True))

    [received] = smtp_server.wait_for(1)
    assert received.message["List-Unsubscribe"] == "<mailto:help@lumen.example?subject=unsubscribe>"


def test_some_recipients_refused_is_still_sent_and_says_which(smtp_server):
    smtp_server.refuse_recipient("grace@customer.example", "550 5.1.1 No such user")

    delivered = over_smtp(smtp_server).send_detailed(an_email())

    assert delivered.refused == ("grace@customer.example",)
    [received] = smtp_server.wait_for(1)
    assert received.message["Message-ID"] == delivered.message_id
    assert "grace@customer.example" not in received.rcpt_tos


def test_a_busy_server_is_a_retryable_failure(smtp_server):
    smtp_server.fail_next(1, "451 4.3.0 Try again later")

    with pytest.raises(SendFailure) as raised:
        over_smtp(smtp_server).send(an_email())

    failure = raised.value
    assert (failure.code, failure.retryable) == ("mail_server_busy", True)
    assert "451 4.3.0 Try again later" in failure.message
    over_smtp(smtp_server).send(an_email())  # and indeed, later it goes
    assert len(smtp_server.wait_for(1)) == 1


def test_a_rejection_is_final_and_quotes_the_server(smtp_server):
    smtp_server.fail_next(1, "554 5.7.1 Message rejected as spam")

    with pytest.raises(SendFailure) as raised:
        over_smtp(smtp_server).send(an_email())

    failure = raised.value
    assert (failure.code, failure.retryable) == ("rejected", False)
    assert failure.message == "The mail server refused the message: 554 5.7.1 Message rejected as spam"
    assert "kickoff" not in str(failure).lower()  # never the body (nor the subject)


@pytest.mark.parametrize(("replies", "retryable"), [
    (("450 4.2.1 Mailbox busy", "451 4.3.0 Later"), True),
    (("450 4.2.1 Mailbox busy", "550 5.1.1 No such user"), False),
])
def test_every_recipient_refused_is_a_failure(smtp_server, replies, retryable):
    for address, reply in zip(("ada@customer.example", "grace@customer.example"), replies, strict=True):
        smtp_server.refuse_recipient(address, reply)

    with pytest.raises(SendFailure) as raised:
        over_smtp(smtp_server).send(an_email(cc=(), bcc=()))

    assert (raised.value.code, raised.value.retryable) == ("recipients_refused", retryable)
    assert f"ada@customer.example: {replies[0]}" in raised.value.message
    assert smtp_server.received == []


def test_a_refused_login_tells_an_admin_to_check_the_settings_without_the_password():
    with SmtpTestServer(credentials=("stitch", "right-password")) as server:
        with pytest.raises(SendFailure) as raised:
            over_smtp(server, username="stitch", password="hunter2secret").send(an_email())

    failure = raised.value
    assert (failure.code, failure.retryable) == ("mail_login_failed", False)
    assert "STITCH_MAIL_URL" in failure.message and "535" in failure.message
    assert "hunter2secret" not in f"{failure} {failure!r} {failure.__cause__} {failure.__context__}"


def test_a_closed_port_is_unreachable_and_retryable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = TransportEmailSender(SmtpTransport("127.0.0.1", port, SENDER, security="none"), SENDER)

    with pytest.raises(SendFailure) as raised:
        sender.send(an_email())

    assert (raised.value.code, raised.value.retryable) == ("mail_server_unreachable", True)
    assert raised.value.message == "The mail server could not be reached: Connection refused"


def test_a_silent_server_is_a_timeout():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        transport = SmtpTransport("127.0.0.1", silent.getsockname()[1], SENDER, security="none", timeout=0.3)

        with pytest.raises(SendFailure) as raised:
            TransportEmailSender(transport, SENDER).send(an_email())

    assert (raised.value.code, raised.value.retryable) == ("timeout", True)


def test_starttls_the_server_lacks_is_a_tls_failure(smtp_server):
    sender = TransportEmailSender(SmtpTransport("127.0.0.1", smtp_server.port, SENDER, security="starttls"), SENDER)

    with pytest.raises(SendFailure) as raised:
        sender.send(an_email())

    assert (raised.value.code, raised.value.retryable) == ("tls_failed", False)
    assert "STITCH_MAIL_URL" in raised.value.message
    assert smtp_server.received == []


# embedded mode


def test_a_round_trip_through_the_maildir(tmp_path):
    sender = TransportEmailSender(MaildirTransport(tmp_path / "mail", f"Stitch <{SENDER}>"), SENDER)

    delivered = sender.send_detailed(an_email(notification=True))

    assert delivered.refused == ()
    reader = MaildirReader(tmp_path / "mail")
    [summary] = reader.list()
    stored = reader.get(summary.id)
    assert stored is not None
    assert stored.sender == f"Maya Chen at Lumen <{SENDER}>"
    assert stored.to == '"Lovelace, Ada" <ada@customer.example>, Grace <grace@customer.example>'
    assert stored.cc == "Zoë <zoe@customer.example>"
    assert stored.bcc == "audit@lumen.example"  # kept for the dev mailbox
    assert stored.reply_to == "maya@lumen.example"
    assert stored.subject == "Your kickoff on Monday"
    assert stored.text.startswith(BODY) and stored.links == ["https://lumen.example/plan"]
    assert stored.html is not None and "<strong>kickoff</strong>" in stored.html
    raw = next((tmp_path / "mail" / "new").iterdir()).read_text()
    assert f"Message-ID: {delivered.message_id}" in raw


# transports and inputs


class SendOnly:
    """A transport without deliver (a queue): send returns None."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.sent: list[Mail] = []
        self.error = error

    def send(self, mail: Mail) -> None:
        if self.error is not None:
            raise self.error
        self.sent.append(mail)


def test_a_transport_without_deliver_is_sent_to_and_the_rendered_message_id_returned():
    transport = SendOnly()

    message_id = TransportEmailSender(transport, SENDER).send(an_email())

    [mail] = transport.sent
    assert message_id == mail.message_id and message_id.endswith("@stitch.example>")


@pytest.mark.parametrize(("error", "code", "retryable"), [
    (smtplib.SMTPSenderRefused(421, b"4.7.0 Too many connections", SENDER), "mail_server_busy", True),
    (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), "mail_server_unreachable", True),
    (ssl.SSLCertVerificationError(1, "certificate verify failed"), "tls_failed", False),
    (PermissionError(13, "Permission denied", "/var/mail/tmp/x"), "mail_server_unreachable", True),
])
def test_transport_errors_become_send_failures(error, code, retryable):
    with pytest.raises(SendFailure) as raised:
        TransportEmailSender(SendOnly(error), SENDER).send(an_email())

    assert (raised.value.code, raised.value.retryable) == (code, retryable)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_an_email_without_recipients_is_refused_before_sending():
    transport = SendOnly()

    with pytest.raises(SendFailure) as raised:
        TransportEmailSender(transport, SENDER).send(an_email(to=(), cc=(), bcc=()))

    assert (raised.value.code, raised.value.retryable) == ("no_recipients", False) and transport.sent == []


@pytest.mark.parametrize("changes", [
    {"to": (Person("Ada", "ada@customer.example\r\nBcc: all@evil.example"),)},
    {"reply_to": "maya@lumen.example\nBcc: all@evil.example"},
    {"to": (Person("Ada", "adä@customer.example"),)},
])
def test_an_address_a_header_cannot_carry_is_an_invalid_message(changes, tmp_path):
    transport = MaildirTransport(tmp_path, SENDER)  # composes the message, as SMTP does

    with pytest.raises(SendFailure) as raised:
        TransportEmailSender(transport, SENDER).send(an_email(**changes))

    assert (raised.value.code, raised.value.retryable) == ("invalid_message", False)
    assert "evil" not in raised.value.message and MaildirReader(tmp_path).list() == []
