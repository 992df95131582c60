"""classify(): every way a transport fails, sorted into what a caller does about it."""

from __future__ import annotations

import smtplib
import socket
import ssl

import pytest

from stitch.common.mail import MailFailure, classify


@pytest.mark.parametrize(("error", "expected"), [
    (smtplib.SMTPDataError(451, b"4.3.0 Try again later"), MailFailure(True, "busy", 451, "4.3.0 Try again later")),
    (smtplib.SMTPSenderRefused(421, b"4.7.0 Too many connections", "no-reply@stitch.example"),
     MailFailure(True, "busy", 421, "4.7.0 Too many connections")),
    (smtplib.SMTPDataError(554, b"5.7.1 Message rejected\nas spam"),
     MailFailure(False, "refused", 554, "5.7.1 Message rejected as spam")),
    (smtplib.SMTPAuthenticationError(535, b"5.7.8 Authentication credentials invalid"),
     MailFailure(False, "login_failed", 535, "5.7.8 Authentication credentials invalid")),
    (smtplib.SMTPConnectError(554, b"No service"), MailFailure(True, "unreachable", 554, "No service")),
    (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
     MailFailure(True, "unreachable", None, "Connection unexpectedly closed")),
    (ConnectionRefusedError(111, "Connection refused"), MailFailure(True, "unreachable", None, "Connection refused")),
    (socket.gaierror(-2, "Name or service not known"),
     MailFailure(True, "unreachable", None, "Name or service not known")),
    (socket.timeout("timed out"), MailFailure(True, "timeout", None, "timed out")),
    (TimeoutError(), MailFailure(True, "timeout", None, "timed out")),
    (smtplib.SMTPNotSupportedError("STARTTLS extension not supported by server."),
     MailFailure(False, "tls_failed", None, "STARTTLS extension not supported by server.")),
    (smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server."),
     MailFailure(False, "login_failed", None, "SMTP AUTH extension not supported by server.")),
    (smtplib.SMTPException("No suitable authentication method found."),
     MailFailure(False, "login_failed", None, "No suitable authentication method found.")),
    (ValueError("not a mail error"), MailFailure(False, "unexpected", None, "ValueError")),
])
def test_errors_are_sorted(error, expected):
    assert classify(error) == expected


def test_a_tls_failure_is_not_transient_and_says_why():
    error = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    error.verify_message = "self-signed certificate"

    assert classify(error) == MailFailure(False, "tls_failed", None, "self-signed certificate")
    assert classify(ssl.SSLError(1, "wrong version number")).kind == "tls_failed"


def test_a_reply_that_timed_out_is_a_timeout():
    # smtplib's getreply() turns a read timeout into SMTPServerDisconnected, raised while handling it.
    try:
        try:
            raise socket.timeout("timed out")
        except OSError as read_error:
            raise smtplib.SMTPServerDisconnected(f"Connection unexpectedly closed: {read_error}")
    except smtplib.SMTPServerDisconnected as error:
        failure = classify(error)

    assert (failure.kind, failure.transient) == ("timeout", True)


@pytest.mark.parametrize(("codes", "transient", "worst"), [
    ((450, 451), True, 451),
    ((450, 550), False, 550),
    ((550, 553), False, 553),
])
def test_refused_recipients_are_transient_only_if_every_refusal_is(codes, transient, worst):
    refusals = {f"r{n}@customer.example": (code, b"mailbox says no") for n, code in enumerate(codes)}

    failure = classify(smtplib.SMTPRecipientsRefused(refusals))

    assert (failure.kind, failure.transient, failure.smtp_code) == ("recipients_refused", transient, worst)
    assert failure.server_text == "; ".join(f"r{n}@customer.example: {code} mailbox says no"
                                            for n, code in enumerate(codes))


def test_no_recipients_at_all_is_not_transient():
    assert classify(smtplib.SMTPRecipientsRefused({})).transient is False


def test_the_server_text_is_one_line_of_at_most_300_characters():
    failure = classify(smtplib.SMTPDataError(554, ("x" * 200 + "\n" + "é" * 200).encode()))

    assert len(failure.server_text) == 300 and "\n" not in failure.server_text
    assert failure.server_text.startswith("x" * 200 + " é") and failure.server_text.endswith("…")


def test_an_os_error_names_no_file():
    failure = classify(PermissionError(13, "Permission denied", "/srv/secret/mail/tmp/123"))

    assert failure == MailFailure(True, "unreachable", None, "Permission denied")
