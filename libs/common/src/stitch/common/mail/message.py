"""What a mail is, how it becomes an RFC 5322 message, and the port every transport implements."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Protocol

# RFC 5322 field names: printable US-ASCII except the colon. Checked here because the email
# package validates header values (no CR/LF) but not names.
_FIELD_NAME = re.compile(r"[!-9;-~]{1,76}")
# Written by compose() itself; an extra header may not replace or repeat one of them.
_OWN_HEADERS = frozenset({"from", "to", "cc", "bcc", "reply-to", "subject", "date", "message-id",
                          "mime-version", "content-type", "content-transfer-encoding"})


@dataclass(frozen=True)
class Mail:
    to: str  # one address, or several joined by ", " (as email.utils.formataddr writes them)
    subject: str
    text: str
    html: str | None = None  # sent as an alternative to the text part, never instead of it
    cc: tuple[str, ...] = ()
    # Delivered to but not shown to the others: smtplib strips the header from what goes on the
    # wire; the Maildir keeps it so the dev mailbox can show who was copied.
    bcc: tuple[str, ...] = ()
    reply_to: str | None = None
    sender: str | None = None  # the From of this mail instead of the transport's
    headers: tuple[tuple[str, str], ...] = ()  # extra headers, e.g. List-Unsubscribe
    message_id: str | None = None  # else one is made with the From address's domain


@dataclass(frozen=True)
class Delivered:
    message_id: str
    # Recipients the SMTP server refused while it accepted the others; the mail went out to the
    # rest. (Refusing all of them is an error, not a Delivered.)
    refused: tuple[str, ...] = ()


class MailTransport(Protocol):
    def send(self, mail: Mail) -> str | None:
        """Send ``mail``; the Message-ID it went out with.

        None only from a wrapper that merely queues the mail (BackgroundMailer): it cannot know
        the outcome yet. Callers that need the outcome use a transport's ``deliver``.
        """


class DeliveringTransport(MailTransport, Protocol):
    def deliver(self, mail: Mail) -> Delivered:
        """Send ``mail`` now; its Message-ID and the recipients the server refused."""


def compose(mail: Mail, sender: str) -> EmailMessage:
    """The message as it goes on the wire. Headers with CR or LF are refused (no header injection).

    ``sender`` is the transport's From; ``mail.sender`` replaces it for this mail.
    """
    sender = mail.sender or sender
    message = EmailMessage()  # policy.default: rejects linefeeds in header values
    message["From"] = sender
    if mail.to:  # a mail to Bcc recipients only has no To
        message["To"] = mail.to
    if mail.cc:
        message["Cc"] = ", ".join(mail.cc)
    if mail.bcc:
        message["Bcc"] = ", ".join(mail.bcc)
    if mail.reply_to:
        message["Reply-To"] = mail.reply_to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    # An explicit domain: without one make_msgid asks DNS for our FQDN, which can hang.
    message["Message-ID"] = mail.message_id or make_msgid(domain=_domain(sender))
    for name, value in mail.headers:
        if not _FIELD_NAME.fullmatch(name) or name.lower() in _OWN_HEADERS:
            raise ValueError(f"not an extra header this mail may carry: {name!r}")
        message[name] = value
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    return message


def _domain(sender: str) -> str:
    _, address = parseaddr(sender)
    return address.rpartition("@")[2] or "localhost"
