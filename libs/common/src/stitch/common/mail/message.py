"""What a mail is, how it becomes an RFC 5322 message, and the port every transport implements."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Protocol


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None  # sent as an alternative to the text part, never instead of it


class MailTransport(Protocol):
    def send(self, mail: Mail) -> None: ...


def compose(mail: Mail, sender: str) -> EmailMessage:
    """The message as it goes on the wire. Headers with CR or LF are refused (no header injection)."""
    message = EmailMessage()  # policy.default: rejects linefeeds in header values
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    # An explicit domain: without one make_msgid asks DNS for our FQDN, which can hang.
    message["Message-ID"] = make_msgid(domain=_domain(sender))
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    return message


def _domain(sender: str) -> str:
    _, address = parseaddr(sender)
    return address.rpartition("@")[2] or "localhost"
