"""Why something the outside world was asked to do did not happen, in words a CSM can act on."""

from __future__ import annotations


class SendFailure(Exception):
    """A provider (a mail server, Slack…) did not take a message or a call.

    ``code`` is stable and machine-readable (``bot_not_in_channel``, ``rejected``, ``timeout``);
    ``message`` is plain words without secrets, shown in the action's history; ``retryable`` says
    whether trying the same thing again later, with nothing changed, may work (timeouts, 4xx
    SMTP replies, 429, 5xx); ``retry_after`` is how long the provider asked us to wait, in
    seconds; ``needs_reconnect`` says the stored credentials no longer work (revoked, expired),
    so the connection must be made again by an admin.
    """

    def __init__(self, code: str, message: str, *, retryable: bool, retry_after: float | None = None,
                 needs_reconnect: bool = False) -> None:
        self.code, self.message, self.retryable = code, message, retryable
        self.retry_after, self.needs_reconnect = retry_after, needs_reconnect
        super().__init__(f"{code}: {message}")


class OAuthFailure(SendFailure):
    """The authorization server refused a code exchange, a refresh or a revocation.

    ``needs_reconnect`` is set when the grant itself is gone (``invalid_grant``): only a new
    connect flow can help.
    """
