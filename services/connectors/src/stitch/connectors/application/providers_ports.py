"""Ports to the outside world: mail servers, Slack, OAuth authorization servers.

Every adapter raises :class:`~stitch.connectors.domain.failures.SendFailure` (or its
``OAuthFailure``) with plain words and a retryable verdict; nothing else escapes except
programming errors. No adapter logs or raises a token, a password or a message body.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Protocol

from stitch.connectors.domain.messages import OutgoingEmail, SlackMessage


class SentEmail(Protocol):
    message_id: str  # the Message-ID it went out with (the provider message id)
    refused: tuple[str, ...]  # recipients the server refused while it took the others


class EmailSender(Protocol):
    def send(self, email: OutgoingEmail) -> str:
        """Send it; the Message-ID it went out with."""

    def send_detailed(self, email: OutgoingEmail) -> SentEmail:
        """Send it; the Message-ID and any recipients refused while others were taken."""


@dataclasses.dataclass(frozen=True)
class WorkspaceIdentity:
    """Who a token speaks for at the provider (Slack's auth.test)."""

    account_id: str  # Slack team id
    account_name: str  # "Lumen (lumen.slack.com)"
    bot_user_id: str | None = None


class SlackApi(Protocol):
    def post_message(self, token: str, message: SlackMessage) -> str:
        """chat.postMessage; the message's ts (Slack's message id)."""

    def identify(self, token: str) -> WorkspaceIdentity:
        """auth.test: the token works and speaks for this workspace."""


@dataclasses.dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None  # None: does not expire
    scopes: tuple[str, ...]  # as granted, which may be fewer than asked for
    account_id: str | None = None  # the workspace / portal / org at the provider, when the token response says
    account_name: str | None = None

    def __repr__(self) -> str:  # never print the tokens
        return f"TokenSet(expires_at={self.expires_at!r}, scopes={self.scopes!r}, account_id={self.account_id!r})"


class OAuthClient(Protocol):
    def authorization_url(self, provider: str, *, state: str, code_verifier: str | None, redirect_uri: str) -> str:
        """Where to send the admin's browser (asks for the definition's scopes)."""

    def exchange_code(self, provider: str, *, code: str, code_verifier: str | None, redirect_uri: str) -> TokenSet:
        ...

    def refresh(self, provider: str, refresh_token: str) -> TokenSet:
        ...

    def revoke(self, provider: str, token: str) -> bool:
        """Revoke at the provider; False when the provider has no revocation endpoint."""
