"""Embedded mode's mail: written to a Maildir under ``var/mail/`` and read back by the dev mailbox."""

from __future__ import annotations

import mailbox
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime
from pathlib import Path

from stitch.common.mail.links import find_links
from stitch.common.mail.message import Delivered, Mail, compose

# Maildir keys only; anything else (slashes, "..") is refused before the mailbox sees it.
_MAIL_ID = re.compile(r"^[A-Za-z0-9._,:=-]{1,200}$")
# Python's Maildir keys start "<seconds>.M<microseconds>P<pid>Q<counter>": the delivery order.
_KEY_STAMP = re.compile(r"^(\d+)\.M(\d+)P\d+Q(\d+)")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class MaildirTransport:
    def __init__(self, directory: Path, sender: str) -> None:
        self.directory = Path(directory)
        self.sender = sender
        self._lock = threading.Lock()  # mailbox.Maildir is not documented as thread-safe

    def __repr__(self) -> str:
        return f"MaildirTransport({str(self.directory)!r}, {self.sender!r})"

    def send(self, mail: Mail) -> str:
        return self.deliver(mail).message_id

    def deliver(self, mail: Mail) -> Delivered:
        """Written to ``new/`` with every header, Bcc included (the dev mailbox shows it)."""
        message = compose(mail, self.sender)
        with self._lock:
            # Made here, not by Maildir(create=True): that skips tmp/new/cur when the folder exists.
            for folder in ("tmp", "new", "cur"):
                (self.directory / folder).mkdir(parents=True, exist_ok=True)
            mailbox.Maildir(self.directory, create=True).add(message)  # lands in new/
        return Delivered(message_id=str(message["Message-ID"]))


@dataclass(frozen=True)
class MailSummary:
    id: str
    to: str
    sender: str
    subject: str
    date: datetime  # timezone-aware


@dataclass(frozen=True)
class StoredMail(MailSummary):
    text: str
    html: str | None
    links: list[str]
    cc: str = ""
    bcc: str = ""  # kept in the Maildir (an SMTP server never sees the header)
    reply_to: str = ""


class MaildirReader:
    """Read-only view of a Maildir for the dev mailbox page."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def list(self) -> list[MailSummary]:
        """Every mail, newest first. A Maildir that does not exist yet is an empty mailbox."""
        box = self._open()
        if box is None:
            return []
        found: list[tuple[tuple, MailSummary]] = []
        for key in box.keys():
            message = self._parse(box, key, headers_only=True)
            if message is not None:
                summary = _summary(key, message)
                found.append(((summary.date, _stamp(key), key), summary))
        return [summary for _, summary in sorted(found, key=lambda item: item[0], reverse=True)]

    def get(self, mail_id: str) -> StoredMail | None:
        if not _MAIL_ID.fullmatch(mail_id):
            return None
        box = self._open()
        message = self._parse(box, mail_id, headers_only=False) if box is not None else None
        if message is None:
            return None
        text_part = message.get_body(preferencelist=("plain",))
        html_part = message.get_body(preferencelist=("html",))
        text = text_part.get_content() if text_part is not None else ""
        html = html_part.get_content() if html_part is not None else None
        return StoredMail(**vars(_summary(mail_id, message)), text=text, html=html, links=find_links(text),
                          cc=str(message.get("Cc", "")), bcc=str(message.get("Bcc", "")),
                          reply_to=str(message.get("Reply-To", "")))

    def _open(self) -> mailbox.Maildir | None:
        # The transport makes tmp/, new/ and cur/ one after another as the first mail goes out;
        # a page read in between must see an empty mailbox, not a half-made one.
        if not all((self.directory / folder).is_dir() for folder in ("tmp", "new", "cur")):
            return None
        return mailbox.Maildir(self.directory, create=False)

    @staticmethod
    def _parse(box: mailbox.Maildir, key: str, *, headers_only: bool) -> EmailMessage | None:
        try:
            with box.get_file(key) as file:
                return BytesParser(policy=default_policy).parse(file, headersonly=headers_only)
        except (KeyError, FileNotFoundError):  # unknown id, or removed since the listing
            return None


def _summary(key: str, message: EmailMessage) -> MailSummary:
    return MailSummary(id=key, to=str(message.get("To", "")), sender=str(message.get("From", "")),
                       subject=str(message.get("Subject", "")), date=_date(key, message))


def _date(key: str, message: EmailMessage) -> datetime:
    try:
        date = parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError):
        date = None
    if date is None:
        seconds = _stamp(key)[0]
        return datetime.fromtimestamp(seconds, UTC) if seconds else _EPOCH
    return date if date.tzinfo else date.replace(tzinfo=UTC)  # "-0000" means UTC, unknown zone


def _stamp(key: str) -> tuple[int, int, int]:
    match = _KEY_STAMP.match(key)
    return (int(match[1]), int(match[2]), int(match[3])) if match else (0, 0, 0)
