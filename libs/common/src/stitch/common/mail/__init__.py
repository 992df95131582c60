"""Email transport: SMTP, or in embedded mode a Maildir that the dev mailbox page reads.

Mechanics only; what a mail says is the sender's business. Mails carry single-use secret links,
so nothing here logs a body, a link or a full address.
"""

from __future__ import annotations

from stitch.common.mail.background import BackgroundMailer
from stitch.common.mail.failures import MailFailure, classify
from stitch.common.mail.links import find_links, split_links
from stitch.common.mail.maildir import MaildirReader, MaildirTransport, MailSummary, StoredMail
from stitch.common.mail.message import Delivered, DeliveringTransport, Mail, MailTransport, compose
from stitch.common.mail.smtp import SmtpTransport
from stitch.common.mail.url import is_maildir, maildir_directory, transport_from_url

__all__ = [
    "BackgroundMailer", "Delivered", "DeliveringTransport", "Mail", "MailFailure", "MailSummary",
    "MailTransport", "MaildirReader", "MaildirTransport", "SmtpTransport", "StoredMail", "classify",
    "compose", "find_links", "is_maildir", "maildir_directory", "split_links", "transport_from_url",
]
