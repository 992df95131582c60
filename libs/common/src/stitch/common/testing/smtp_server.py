"""A real SMTP server on 127.0.0.1 for tests: it keeps what it accepts and answers what a test scripts.

aiosmtpd is a dev-only dependency, so it is imported when a server starts, not with this module.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from types import TracebackType
from typing import Any, Self

_REPLY = re.compile(r"[245]\d\d( .*)?")


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str  # the envelope sender (MAIL FROM)
    rcpt_tos: tuple[str, ...]  # the envelope recipients the server accepted (Bcc included)
    message: EmailMessage  # parsed with policy.default, as it came over the wire
    raw: bytes


class SmtpTestServer:
    """``with SmtpTestServer() as server:`` … ``server.port``; or the ``smtp_server`` pytest fixture.

    Plain SMTP without TLS, so transports talk to it with ``security="none"``. With ``credentials``
    it offers AUTH and accepts only those (without TLS: it only ever listens on the loopback interface).
    """

    def __init__(self, host: str = "127.0.0.1", *, credentials: tuple[str, str] | None = None) -> None:
        self.host = host
        self.port = 0  # known once started
        self._credentials = credentials
        self._controller: Any = None
        self._changed = threading.Condition()  # guards everything below; handlers run on aiosmtpd's thread
        self._received: list[ReceivedMail] = []
        self._data_failures: deque[str] = deque()
        self._refusals: dict[str, str] = {}

    # scripting

    def fail_next(self, count: int, reply: str) -> None:
        """Answer the next ``count`` messages with ``reply`` at DATA, e.g. "451 4.3.0 Try again later"."""
        _check_reply(reply)
        with self._changed:
            self._data_failures.extend([reply] * count)

    def refuse_recipient(self, address: str, reply: str) -> None:
        """Answer RCPT TO for ``address`` (any case) with ``reply``, e.g. "550 5.1.1 No such user"."""
        _check_reply(reply)
        with self._changed:
            self._refusals[address.lower()] = reply

    # what arrived

    @property
    def received(self) -> list[ReceivedMail]:
        with self._changed:
            return list(self._received)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMail]:
        """The messages accepted so far once there are at least ``count``; AssertionError on timeout."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._received) >= count, timeout):
                raise AssertionError(f"expected {count} mail(s) within {timeout}s, got {len(self._received)}")
            return list(self._received)

    # lifecycle

    def start(self) -> Self:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        class _AnyPortController(Controller):
            # Listening on port 0 gives a free port without a race, but Controller.start() checks the
            # server by connecting to self.port; so the real port is read off the socket first.
            def _trigger_server(self) -> None:
                self.port = self.server.sockets[0].getsockname()[1]
                super()._trigger_server()

        options: dict[str, Any] = {}
        if self._credentials is not None:
            expected = tuple(part.encode() for part in self._credentials)

            def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
                ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == expected
                return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535

            # AUTH offered, not required: requiring it without TLS makes aiosmtpd warn on every connection.
            options = {"authenticator": authenticate, "auth_require_tls": False}
        controller = _AnyPortController(_Handler(self), hostname=self.host, port=0, **options)
        controller.start()
        self._controller, self.port = controller, controller.port
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    # called by the handler on aiosmtpd's thread

    def _rcpt_reply(self, address: str) -> str | None:
        with self._changed:
            return self._refusals.get(address.lower())

    def _data_reply(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> str:
        with self._changed:
            if self._data_failures:
                return self._data_failures.popleft()
            message = BytesParser(policy=default_policy).parsebytes(raw)
            self._received.append(ReceivedMail(mail_from, tuple(rcpt_tos), message, raw))  # type: ignore[arg-type]
            self._changed.notify_all()
            return "250 2.0.0 OK"


class _Handler:
    """aiosmtpd's handler hooks, passing each decision to the server object."""

    def __init__(self, server: SmtpTestServer) -> None:
        self._server = server

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options: list[str]) -> str:
        refusal = self._server._rcpt_reply(address)
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        return self._server._data_reply(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))


def _check_reply(reply: str) -> None:
    if not _REPLY.fullmatch(reply):
        raise ValueError(f"an SMTP reply is a 2xx/4xx/5xx code and text, e.g. '451 4.3.0 Try again later', not {reply!r}")
