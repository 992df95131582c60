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
        refusing every recipient raises SMTPRecipientsRefused, refusing some is ``refused``.

        Raises OutcomeUnknown when the whole message went out but the server's answer never came
        (cut off, timed out): it may have been accepted, so sending it again may deliver it twice.
        """
        message = compose(mail, self.sender)
        smtp = self._connect()
        try:
            if self.username:
                self._login(smtp)
            # To, Cc and Bcc are the envelope recipients; the Bcc header is left off the wire.
            refused = smtp.send_message(message)
        except smtplib.SMTPResponseException:
            smtp.close()
            raise  # the server answered, with a code that says what happened
        except OSError as error:  # disconnected or timed out (smtplib's errors are OSErrors too)
            smtp.close()
            if smtp.payload_sent:
                raise OutcomeUnknown(f"no answer after the message was sent: {type(error).__name__}") from error
            raise
        # Accepted (250): whatever QUIT answers, or if it never does, the mail is on its way.
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
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

    def _connect(self) -> _TrackingSmtp | _TrackingSmtpSsl:
        # Certificates are always verified: these mails carry sign-in links.
        if self.security == "ssl":
            return _TrackingSmtpSsl(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())
        smtp = _TrackingSmtp(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            try:
                smtp.starttls(context=ssl.create_default_context())
            except BaseException:
                smtp.close()
                raise
        return smtp


class OutcomeUnknown(smtplib.SMTPException):
    """The message went out whole and the server's answer was lost: it may or may not be delivered."""


class _PayloadTracking:
    """Notes when a message's last line ("." after the data) has gone out: from then on the server
    may have accepted it, and a lost answer no longer means "not delivered"."""

    payload_sent = False

    def send(self, s) -> None:
        super().send(s)  # type: ignore[misc]
        if isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self.payload_sent = True


class _TrackingSmtp(_PayloadTracking, smtplib.SMTP):
    pass


class _TrackingSmtpSsl(_PayloadTracking, smtplib.SMTP_SSL):
    pass


def _secret_forms(username: str, password: str) -> list[str]:
    """The credentials as a server could quote them back: plain, and as AUTH LOGIN/PLAIN sent them."""
    plain_auth = f"\0{username}\0{password}"
    forms = [password, username, plain_auth]
    forms += [base64.b64encode(form.encode()).decode() for form in forms]
    # Longest first, and never an empty string (replacing "" would splice "***" everywhere).
    return sorted((form for form in forms if form.strip("\0")), key=len, reverse=True)
