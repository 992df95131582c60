"""Sending mail off the request thread, with a few retries."""

from __future__ import annotations

import logging
import queue
import threading
import time

from stitch.common.mail.message import Mail, MailTransport

log = logging.getLogger(__name__)
_STOP = object()


class BackgroundMailer:
    """A MailTransport whose ``send`` only queues the mail; one worker thread delivers it.

    Queuing keeps a request that sends mail as fast as one that does not, so response times do not
    tell an attacker whether an address has an account (sign-up, password reset).
    """

    def __init__(self, transport: MailTransport, *, attempts: int = 3, backoff: float = 0.5) -> None:
        self.transport = transport
        self._attempts = max(1, attempts)
        self._backoff = backoff
        self._queue: queue.Queue[object] = queue.Queue()
        self._progress = threading.Condition()  # guards the two counters and the worker
        self._queued = 0
        self._attempted = 0
        self._worker: threading.Thread | None = None
        self._closed = False

    def send(self, mail: Mail) -> None:
        """Queue ``mail``. Returns None, not a Message-ID: nothing is sent yet, and a failure later is
        retried, then logged and dropped. Use a transport's ``deliver`` to learn the outcome."""
        with self._progress:
            if self._closed:
                raise RuntimeError("the mailer is closed")
            if self._worker is None:  # started here, not in __init__: building a mailer has no side effects
                self._worker = threading.Thread(target=self._run, name="mailer", daemon=True)
                self._worker.start()
            self._queued += 1
            self._queue.put(mail)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every mail queued so far was delivered or given up; False on timeout."""
        with self._progress:
            target = self._queued
            return self._progress.wait_for(lambda: self._attempted >= target, timeout)

    def close(self, timeout: float | None = 30.0) -> None:
        """Deliver what is queued, then stop the worker. Later sends raise RuntimeError."""
        with self._progress:
            first_close, self._closed = not self._closed, True
            worker = self._worker
        if worker is not None:
            if first_close:
                self._queue.put(_STOP)  # behind every queued mail: those are delivered first
            worker.join(timeout)

    def _run(self) -> None:
        while (mail := self._queue.get()) is not _STOP:
            try:
                self._deliver(mail)  # type: ignore[arg-type]
            finally:
                with self._progress:
                    self._attempted += 1
                    self._progress.notify_all()

    def _deliver(self, mail: Mail) -> None:
        # Logs name the recipient's domain and the subject only: the body and the full address stay
        # out, since the body carries a single-use secret link.
        domain = mail.to.rpartition("@")[2] or "?"
        for attempt in range(1, self._attempts + 1):
            try:
                self.transport.send(mail)
                return
            except Exception as error:  # any failure is retried, then given up
                if attempt == self._attempts:
                    # Dropped, not kept: the link inside expires soon anyway, and the user can ask
                    # for a new one (resend verification, reset again); a stuck queue helps nobody.
                    log.error("mail to @%s (%r) not sent after %d attempts, dropped: %s",
                              domain, mail.subject, attempt, _describe(error))
                    return
                log.warning("mail to @%s (%r) failed, attempt %d/%d: %s",
                            domain, mail.subject, attempt, self._attempts, _describe(error))
                time.sleep(self._backoff * 2 ** (attempt - 1))


def _describe(error: Exception) -> str:
    # The type and SMTP code only: exception texts can quote the full recipient address.
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__}" + (f" {code}" if code is not None else "")
