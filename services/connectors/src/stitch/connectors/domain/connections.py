"""A connection: one organization's link to one provider (its Slack workspace, its HubSpot portal).

The tokens themselves are not here: they live sealed in the vault, and nothing that carries a
Connection (events, API answers, logs) can leak them. A connection is active until it is
disconnected; reconnecting an active one replaces its tokens in place, and after a disconnect a
new connect makes a new connection (the old one stays as a record of who connected what, when).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from enum import StrEnum

from stitch.connectors.domain.errors import RuleBroken


class ConnectionStatus(StrEnum):
    CONNECTED = "connected"
    NEEDS_RECONNECT = "needs_reconnect"  # the provider stopped accepting the tokens (revoked, expired)
    ERROR = "error"  # the last call failed for another reason; the tokens may still work
    DISCONNECTED = "disconnected"


@dataclasses.dataclass
class Connection:
    id: str
    org_id: str
    provider: str
    status: ConnectionStatus
    account_id: str  # the workspace / portal at the provider
    account_name: str  # as people know it: "Lumen (lumen.slack.com)"
    scopes: tuple[str, ...]
    connected_by: str
    connected_at: datetime
    token_expires_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    disconnected_by: str | None = None
    disconnected_at: datetime | None = None
    default_channel: str | None = None  # Slack: where account_channel goes when an account has none
    version: int = 1
    changed_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.status is not ConnectionStatus.DISCONNECTED

    def reconnected(self, *, account_id: str, account_name: str, scopes: tuple[str, ...], by: str,
                    at: datetime, token_expires_at: datetime | None) -> None:
        self._require_active("connection.reconnect.disconnected")
        self.account_id, self.account_name, self.scopes = account_id, account_name, scopes
        self.connected_by, self.connected_at, self.token_expires_at = by, at, token_expires_at
        self.status, self.last_error, self.last_error_at = ConnectionStatus.CONNECTED, None, None
        self._changed(at)

    def tokens_refreshed(self, expires_at: datetime | None, scopes: tuple[str, ...], at: datetime) -> bool:
        """New tokens from a refresh. True when the change is one others must hear of (status)."""
        was = self.status
        self.token_expires_at = expires_at
        self.scopes = scopes or self.scopes
        if self.status is ConnectionStatus.ERROR:
            self.status, self.last_error, self.last_error_at = ConnectionStatus.CONNECTED, None, None
        self._changed(at)
        return self.status is not was

    def worked(self, at: datetime) -> bool:
        """A call succeeded: an erring connection is connected again. True when the status changed."""
        if self.status is not ConnectionStatus.ERROR:
            return False
        self.status, self.last_error, self.last_error_at = ConnectionStatus.CONNECTED, None, None
        self._changed(at)
        return True

    def failed(self, message: str, at: datetime, *, needs_reconnect: bool) -> bool:
        """A call failed because of the connection. True when the status changed."""
        if not self.active:
            return False
        was = self.status
        if self.status is not ConnectionStatus.NEEDS_RECONNECT:  # only a reconnect clears that
            self.status = ConnectionStatus.NEEDS_RECONNECT if needs_reconnect else ConnectionStatus.ERROR
        self.last_error, self.last_error_at = message[:2000], at
        self._changed(at)
        return self.status is not was

    def disconnect(self, by: str, at: datetime) -> None:
        self._require_active("connection.disconnect.already_disconnected")
        self.status, self.disconnected_by, self.disconnected_at = ConnectionStatus.DISCONNECTED, by, at
        self.token_expires_at = None
        self._changed(at)

    def set_default_channel(self, channel: str | None, at: datetime) -> None:
        self._require_active("connection.settings.disconnected")
        self.default_channel = channel
        self._changed(at)

    def _require_active(self, rule: str) -> None:
        if not self.active:
            raise RuleBroken(rule, f"The {self.provider} connection was disconnected; connect it again first.")

    def _changed(self, at: datetime) -> None:
        self.version += 1
        self.changed_at = at
