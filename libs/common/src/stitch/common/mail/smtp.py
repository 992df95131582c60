"""Sending mail to an SMTP server (the full stack; embedded mode writes a Maildir instead)."""

from __future__ import annotations

import smtplib
import ssl
from typing import Literal

from stitch.common.mail.message import Mail, compose

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

    def send(self, mail: Mail) -> None:
        message = compose(mail, self.sender)
        with self._connect() as smtp:
            if self.username:
                smtp.login(self.username, self._password or "")
            smtp.send_message(message)

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
