"""The EmailSender port over a mail transport (SMTP from settings, or embedded mode's Maildir).

Email needs no integration: this is how customer mail goes out when no provider is connected.
"""

from __future__ import annotations

import smtplib

from stitch.common.mail import Delivered, MailFailure, MailTransport, classify
from stitch.connectors.adapters.email_render import render
from stitch.connectors.domain.failures import SendFailure
from stitch.connectors.domain.messages import OutgoingEmail

_CHECK_SETTINGS = "An admin should check the mail settings (STITCH_MAIL_URL)."


class TransportEmailSender:
    """Renders the email and hands it to the transport; failures come out as SendFailure.

    ``sender_address`` is the configured sender's bare address: every mail is From it, whatever
    display name it carries, so SPF, DKIM and DMARC pass.
    """

    def __init__(self, transport: MailTransport, sender_address: str) -> None:
        self.transport = transport
        self.sender_address = sender_address

    def __repr__(self) -> str:
        return f"TransportEmailSender({self.transport!r}, {self.sender_address!r})"

    def send(self, email: OutgoingEmail) -> str:
        """The Message-ID it went out with."""
        return self.send_detailed(email).message_id

    def send_detailed(self, email: OutgoingEmail) -> Delivered:
        """Sent, with the recipients the server refused while it took the others (``refused``).

        Raises SendFailure when nothing went out, refusing every recipient included.
        """
        if not (email.to or email.cc or email.bcc):
            raise SendFailure("no_recipients", "The email has no recipients.", retryable=False)
        try:
            mail = render(email, sender_address=self.sender_address)
            deliver = getattr(self.transport, "deliver", None)
            if deliver is not None:
                return deliver(mail)
            # A transport with only send (a queue such as BackgroundMailer returns None): the
            # Message-ID is the one render set, which is the one the mail carries.
            return Delivered(message_id=self.transport.send(mail) or mail.message_id or "")
        except (smtplib.SMTPException, OSError) as error:  # ssl and socket errors are OSErrors
            raise _send_failure(classify(error)) from None
        except ValueError:  # a line break in an address or header, a non-ASCII address
            # Not the error's text: it can quote the header value.
            raise SendFailure("invalid_message", "The email could not be built: an address or the subject "
                              "contains characters a mail header cannot carry.", retryable=False) from None


def _send_failure(failure: MailFailure) -> SendFailure:
    reply = f"{failure.smtp_code or ''} {failure.server_text}".strip()
    said = f": {reply}" if reply else ""  # the server's code and words, when it gave any
    match failure.kind:
        case "busy":
            return SendFailure("mail_server_busy", f"The mail server asked to try again later{said}", retryable=True)
        case "refused":
            return SendFailure("rejected", f"The mail server refused the message{said}", retryable=False)
        case "recipients_refused":
            # server_text names each address with the server's reply; their codes decide retryable.
            return SendFailure("recipients_refused", f"The mail server refused every recipient: {failure.server_text}",
                               retryable=failure.transient)
        case "login_failed":
            return SendFailure("mail_login_failed", f"The mail server did not accept the sign-in{said.rstrip('.')}. "
                               f"{_CHECK_SETTINGS}", retryable=False)
        case "timeout":
            return SendFailure("timeout", "The mail server did not answer in time.", retryable=True)
        case "outcome_unknown":
            return SendFailure("outcome_unknown", "The mail server received the message but its answer never "
                               "came, so it may or may not have been delivered. Check with the recipients before "
                               "sending it again.", retryable=False)
        case "unreachable":
            return SendFailure("mail_server_unreachable", f"The mail server could not be reached{said}",
                               retryable=True)
        case "tls_failed":
            return SendFailure("tls_failed", f"A secure (TLS) connection to the mail server failed{said.rstrip('.')}. "
                               f"{_CHECK_SETTINGS}", retryable=False)
    return SendFailure("mail_failed", f"The email could not be sent{said}", retryable=False)
