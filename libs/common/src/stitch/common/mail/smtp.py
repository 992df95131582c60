"""Sending mail to an SMTP server (the full stack; embedded mode writes a Maildir instead)."""

from __future__ import annotations

import base64
import smtplib
import ssl
from typing import Literal

from stitch.common.mail.message import Delivered, Mail, compose

Security = Literal["starttls", "ssl", "none"]
SECURITIES: tuple[Security, ...] = ("starttls", "ssl", "none")


class SmtpTransport:
    """One connection per mail: no idle connection to time out or go stale between sign-ups."""

    def __init__(self, host: str, port: int, sender: str, *, username: str | None = None,
                 password: str | None = None, security: Security = "starttls", timeout: float = 10.0) -> None:
        if security not in SECURITIES:
            raise ValueError(f"security must be one of {', '.join(SECURITIES)}, not {security!r}")
        self.host, self.port, self.sender, self.security, self.timeout = host, port, sender, security, timeout
        self.username = username
        self._password = password  # private and out of repr: settings dumps must not show it

    def __repr__(self) -> str:
        return f"SmtpTransport({self.host!r}, {self.port}, {self.sender!r}, security={self.security!r})"

    def send(self, mail: Mail) -> str:
        return self.deliver(mail).message_id

    def deliver(self, mail: Mail) -> Delivered:
        """Send now. Raises smtplib/ssl/OSError exceptions as they come (see mail.failures.classify);
        refusing every recipient raises SMTPRecipientsRefused, refusing some is ``refused``."""
        message = compose(mail, self.sender)
        with self._connect() as smtp:
            if self.username:
                self._login(smtp)
            # To, Cc and Bcc are the envelope recipients; the Bcc header is left off the wire.
            refused = smtp.send_message(message)
        return Delivered(message_id=str(message["Message-ID"]), refused=tuple(refused))

    def _login(self, smtp: smtplib.SMTP) -> None:
        try:
            smtp.login(self.username or "", self._password or "")
        except smtplib.SMTPResponseException as error:
            # A server may echo what it got (the base64 of the user and password) in its refusal;
            # the error travels on into failure messages, so the echo is cut out here.
            raise type(error)(error.smtp_code, self._scrub(error.smtp_error)) from None
        except smtplib.SMTPException as error:
            if type(error) is not smtplib.SMTPException:  # smtplib's own words (disconnected, no AUTH)
                raise
            # The bare kind: "no suitable mechanism", or a challenge loop that quotes the replies.
            raise smtplib.SMTPException(self._scrub(str(error))) from None

    def _scrub(self, text: bytes | str) -> str:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        for secret in _secret_forms(self.username or "", self._password or ""):
            text = text.replace(secret, "***")
        return text

    def _connect(self) -> smtplib.SMTP:
        # Certificates are always verified: these mails carry sign-in links.
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            try:
                smtp.starttls(context=ssl.create_default_context())
            except BaseException:
                smtp.close()
                raise
        return smtp


def _secret_forms(username: str, password: str) -> list[str]:
    """The credentials as a server could quote them back: plain, and as AUTH LOGIN/PLAIN sent them."""
    plain_auth = f"\0{username}\0{password}"
    forms = [password, username, plain_auth]
    forms += [base64.b64encode(form.encode()).decode() for form in forms]
    # Longest first, and never an empty string (replacing "" would splice "***" everywhere).
    return sorted((form for form in forms if form.strip("\0")), key=len, reverse=True)
