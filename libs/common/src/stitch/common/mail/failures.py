"""Why a mail did not go out, sorted into the few kinds a caller acts on differently.

A 4xx reply or a network problem may pass if the same mail is sent again later; a 5xx reply, a
refused login or a failed TLS handshake will not until someone changes something.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from typing import Literal

from stitch.common.mail.smtp import OutcomeUnknown

FailureKind = Literal["refused", "busy", "recipients_refused", "login_failed", "timeout", "unreachable",
                      "tls_failed", "outcome_unknown", "unexpected"]
_MAX_TEXT = 300


@dataclass(frozen=True)
class MailFailure:
    transient: bool  # the same mail, sent again later, may go through
    kind: FailureKind
    smtp_code: int | None  # the server's reply code, when it answered
    server_text: str  # the server's words (or the network error's), one line, at most 300 characters


def classify(error: BaseException) -> MailFailure:
    """Sort an exception from a mail transport (smtplib, ssl, socket, the Maildir's OSError).

    The order matters: every smtplib exception and ssl.SSLError is also an OSError.
    ``server_text`` holds no credentials: SmtpTransport cuts a server's echo of them out of
    login errors before they get here.
    """
    if isinstance(error, OutcomeUnknown):  # sent whole, answer lost: sending again may deliver it twice
        return MailFailure(False, "outcome_unknown", None, _text(str(error)))
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return _recipients_refused(error)
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return MailFailure(False, "login_failed", error.smtp_code, _text(error.smtp_error))
    if isinstance(error, smtplib.SMTPConnectError):  # the greeting was not a 220
        return MailFailure(True, "unreachable", _code(error.smtp_code), _text(error.smtp_error))
    if isinstance(error, smtplib.SMTPServerDisconnected):
        # smtplib turns a read that timed out into "Connection unexpectedly closed: timed out".
        if _caused_by(error, TimeoutError):
            return MailFailure(True, "timeout", None, _text(str(error)))
        return MailFailure(True, "unreachable", None, _text(str(error)))
    if isinstance(error, smtplib.SMTPResponseException):  # MAIL FROM, DATA, HELO, STARTTLS replies
        code = _code(error.smtp_code)
        text = _text(error.smtp_error)
        if code is not None and 400 <= code < 500:
            return MailFailure(True, "busy", code, text)
        return MailFailure(False, "refused", code, text)
    if isinstance(error, smtplib.SMTPNotSupportedError):
        text = _text(str(error))
        if "STARTTLS" in text:  # the settings ask for TLS the server does not offer
            return MailFailure(False, "tls_failed", None, text)
        if "AUTH" in text:  # credentials are set but the server takes none (often the wrong port)
            return MailFailure(False, "login_failed", None, text)
        return MailFailure(False, "refused", None, text)  # e.g. SMTPUTF8 addresses
    if isinstance(error, smtplib.SMTPException):  # "no suitable authentication method" and the like
        text = _text(str(error))
        kind: FailureKind = "login_failed" if "auth" in text.lower() else "refused"
        return MailFailure(False, kind, None, text)
    if isinstance(error, ssl.SSLError):  # certificate not trusted, wrong host name, no common protocol
        why = getattr(error, "verify_message", None) or error.strerror or str(error)
        return MailFailure(False, "tls_failed", None, _text(why))
    if isinstance(error, TimeoutError):  # socket.timeout is TimeoutError
        return MailFailure(True, "timeout", None, _text(error.strerror or str(error) or "timed out"))
    if isinstance(error, OSError):  # connection refused or reset, no route, DNS, a full disk
        return MailFailure(True, "unreachable", None, _text(error.strerror or str(error)))
    return MailFailure(False, "unexpected", None, type(error).__name__)


def _recipients_refused(error: smtplib.SMTPRecipientsRefused) -> MailFailure:
    refusals = {address: (_code(code), _text(reply)) for address, (code, reply) in error.recipients.items()}
    codes = [code for code, _ in refusals.values()]
    # Worth another try only if every refusal was temporary ("mailbox busy", "greylisted").
    transient = bool(codes) and all(code is not None and 400 <= code < 500 for code in codes)
    worst = max((code for code in codes if code is not None), default=None)
    text = "; ".join(f"{address}: {code} {reply}".rstrip() for address, (code, reply) in refusals.items())
    return MailFailure(transient, "recipients_refused", worst, _text(text))


def _text(reply: bytes | str | None) -> str:
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    one_line = " ".join((reply or "").split())  # multi-line replies come joined by newlines
    return one_line if len(one_line) <= _MAX_TEXT else one_line[:_MAX_TEXT - 1] + "…"


def _code(code: object) -> int | None:
    return code if isinstance(code, int) and 100 <= code <= 599 else None


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    seen: set[int] = set()
    cause = error.__cause__ or error.__context__
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, kind):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False
