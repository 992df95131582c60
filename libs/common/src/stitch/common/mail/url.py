"""Choosing the mail transport from ``STITCH_MAIL_URL``."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from stitch.common.mail.background import BackgroundMailer
from stitch.common.mail.maildir import MaildirTransport
from stitch.common.mail.message import MailTransport
from stitch.common.mail.smtp import SmtpTransport
from stitch.common.settings import SettingsError

_SMTP_EXAMPLE = "smtp://user:password@mail.example.com:587 or smtps://mail.example.com"


def transport_from_url(url: str, sender: str, var_dir: Path) -> MailTransport:
    """``""`` → Maildir under ``var_dir/mail``; ``maildir:<path>``; ``smtp://…`` (STARTTLS); ``smtps://…``.

    Error messages never quote the URL: it may hold the SMTP password.
    """
    if url == "":
        return MaildirTransport(Path(var_dir) / "mail", sender)
    scheme, _, rest = url.partition(":")
    scheme = scheme.lower()
    if scheme == "maildir":
        if not rest:
            raise SettingsError("STITCH_MAIL_URL: maildir: needs a path, e.g. maildir:var/mail")
        return MaildirTransport(Path.cwd() / rest, sender)  # an absolute rest replaces the cwd
    if scheme in ("smtp", "smtps"):
        return _smtp(url, scheme, sender)
    raise SettingsError(f"STITCH_MAIL_URL: unknown scheme; use maildir:<path>, {_SMTP_EXAMPLE}")


def _smtp(url: str, scheme: str, sender: str) -> SmtpTransport:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise SettingsError("STITCH_MAIL_URL: the port must be a number from 1 to 65535") from None
    if not parts.hostname:
        raise SettingsError(f"STITCH_MAIL_URL: the {scheme} URL needs a host, e.g. {_SMTP_EXAMPLE}")
    query = parse_qs(parts.query, keep_blank_values=True)
    if set(query) - {"security"}:
        raise SettingsError("STITCH_MAIL_URL: the only query parameter is security=starttls|none")
    security = query.get("security", ["ssl" if scheme == "smtps" else "starttls"])[-1]
    allowed = ("ssl",) if scheme == "smtps" else ("starttls", "none")
    if security not in allowed:
        raise SettingsError(f"STITCH_MAIL_URL: {scheme} takes security={'|'.join(allowed)}")
    return SmtpTransport(
        parts.hostname, port or (465 if scheme == "smtps" else 587), sender,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        security=security,  # type: ignore[arg-type]
    )


def maildir_directory(transport: MailTransport) -> Path | None:
    """The Maildir that ``transport`` writes to (looking through a BackgroundMailer), else None."""
    if isinstance(transport, BackgroundMailer):
        transport = transport.transport
    return transport.directory if isinstance(transport, MaildirTransport) else None


def is_maildir(transport: MailTransport) -> bool:
    """Whether mail stays on this machine, i.e. whether the dev mailbox page applies."""
    return maildir_directory(transport) is not None
