"""What the use cases need from storage: repositories behind one unit of work."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, Protocol

from stitch.connectors.domain.connections import Connection
from stitch.connectors.domain.deliveries import Delivery
from stitch.connectors.domain.messages import Branding


@dataclasses.dataclass(frozen=True)
class Sealed:
    """A secret as stored: AES-GCM ciphertext (tag included), its nonce and the id of its key."""

    key_id: str
    nonce: bytes
    ciphertext: bytes

    def __repr__(self) -> str:
        return f"Sealed(key_id={self.key_id!r}, {len(self.ciphertext)} bytes)"


class SecretUnreadable(Exception):
    """A sealed secret cannot be opened: its key is no longer configured, or it was moved or altered."""


class Cipher(Protocol):
    """Authenticated encryption bound to associated data (adapters/token_cipher.py)."""

    primary_key_id: str

    def seal(self, plaintext: str, associated: str) -> Sealed: ...
    def open(self, sealed: Sealed, associated: str) -> str: ...


@dataclasses.dataclass(frozen=True)
class Organization:
    org_id: str
    name: str
    slug: str


@dataclasses.dataclass(frozen=True)
class StaffUser:
    user_id: str
    name: str
    email: str
    active: bool


@dataclasses.dataclass(frozen=True)
class OAuthState:
    state_hash: str
    org_id: str
    user_id: str
    provider: str
    browser_hash: str
    verifier: Sealed | None
    return_to: str
    created_at: datetime
    expires_at: datetime


@dataclasses.dataclass(frozen=True)
class Due:
    """An item of a due index: which row of which org, leased to the caller (``lease``: its token)."""

    item_id: str
    org_id: str
    lease: str | None = None


class Connections(Protocol):
    def add(self, connection: Connection) -> bool:
        """False (nothing written) when the org already has an active connection to the provider."""
    def save(self, connection: Connection) -> None: ...
    def get(self, org_id: str, connection_id: str, *, lock: bool = False) -> Connection | None: ...
    def active(self, org_id: str, provider: str, *, lock: bool = False) -> Connection | None: ...
    def all(self, org_id: str) -> list[Connection]: ...


class Vault(Protocol):
    def put(self, org_id: str, connection_id: str, field: str, sealed: Sealed) -> None: ...
    def get(self, org_id: str, connection_id: str, field: str) -> Sealed | None: ...
    def fields(self, org_id: str, connection_id: str) -> dict[str, Sealed]: ...
    def erase(self, org_id: str, connection_id: str) -> int: ...
    def index(self, org_id: str, connection_id: str, key_id: str, refresh_at: datetime | None) -> None: ...
    def unindex(self, connection_id: str) -> None: ...
    def claim_refresh_due(self, now: datetime, limit: int, lease_until: datetime) -> list[Due]: ...
    def schedule_refresh(self, connection_id: str, refresh_at: datetime | None) -> None:
        """Next refresh time (None: none), and the lease let go; the key id is left as it is."""
    def not_under(self, key_id: str, limit: int, after: str) -> list[Due]: ...
    def count_by_key(self) -> dict[str, int]: ...


class OAuthStates(Protocol):
    def add(self, state: OAuthState) -> None: ...
    def take(self, state_hash: str, now: datetime) -> OAuthState | None:
        """Mark it used and return it, atomically; None if unknown or already used."""
    def purge(self, before: datetime) -> int: ...


class Deliveries(Protocol):
    def add(self, delivery: Delivery) -> bool:
        """False (and nothing written) when the org already has a delivery with its request id."""
    def save(self, delivery: Delivery) -> None: ...
    def get(self, org_id: str, delivery_id: str, *, lock: bool = False) -> Delivery | None: ...
    def page(self, org_id: str, filters: dict[str, Any], limit: int,
             after: tuple[datetime, str] | None) -> list[Delivery]: ...


class DeliveryQueue(Protocol):
    def enqueue(self, org_id: str, delivery_id: str, due_at: datetime) -> None: ...
    def claim(self, now: datetime, limit: int, lease_until: datetime) -> list[Due]: ...
    def hold(self, item: Due, until: datetime) -> bool:
        """Extend the item's lease if it still carries the item's token; False: someone else has it."""
    def lease_now(self, org_id: str, delivery_id: str, until: datetime) -> Due:
        """Queue it leased to the caller right away (a test message sent in the request)."""
    def release(self, item: Due) -> None:
        """Give an unstarted item back (its lease and token cleared) if it is still the caller's."""
    def remove(self, delivery_id: str) -> None: ...


class Directory(Protocol):
    """Read models of other parts: organizations and staff (gateway), branding (portal)."""

    def upsert_org(self, organization: Organization) -> None: ...
    def org(self, org_id: str) -> Organization | None: ...
    def upsert_user(self, org_id: str, user: StaffUser, updated_at: datetime) -> None: ...
    def user(self, org_id: str, user_id: str) -> StaffUser | None: ...
    def is_staff_email(self, org_id: str, email: str) -> bool:
        """Whether an active staff member of the org has this address (case does not matter)."""
    def upsert_branding(self, org_id: str, branding: Branding, changed_at: datetime) -> None: ...
    def branding(self, org_id: str) -> Branding | None: ...


class AccountChannels(Protocol):
    """The org's accounts (from accounts' events) and the Slack channel set for each."""

    def know(self, org_id: str, account_id: str, company_name: str, at: datetime) -> None: ...
    def known(self, org_id: str, account_id: str) -> bool: ...
    def get(self, org_id: str, account_id: str) -> str | None: ...
    def set(self, org_id: str, account_id: str, channel: str, by: str, at: datetime) -> None: ...
    def delete(self, org_id: str, account_id: str) -> bool: ...
    def all(self, org_id: str) -> dict[str, str]: ...


class UnitOfWork(Protocol):
    connections: Connections
    vault: Vault
    oauth_states: OAuthStates
    deliveries: Deliveries
    delivery_queue: DeliveryQueue
    directory: Directory
    account_channels: AccountChannels

    def __enter__(self) -> UnitOfWork: ...
    def __exit__(self, *args: Any) -> None: ...
    def set_org(self, org_id: str | None) -> None: ...
    def publish(self, event_type: str, data: dict[str, Any]) -> Any: ...
    def commit(self) -> None: ...
