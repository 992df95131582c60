"""Tokens in and out of the vault: sealed on the way in, refreshed before they expire, erased on
disconnect, re-sealed under the newest key on demand. Plaintext tokens live only in local
variables of these functions and the adapters they are handed to."""

from __future__ import annotations

import dataclasses
import logging

from stitch.connectors.application import events
from stitch.connectors.application.common import Deps
from stitch.connectors.application.ports import SecretUnreadable, UnitOfWork
from stitch.connectors.application.providers_ports import TokenSet
from stitch.connectors.domain.connections import Connection, ConnectionStatus
from stitch.connectors.domain.failures import OAuthFailure, SendFailure

log = logging.getLogger(__name__)
ACCESS, REFRESH = "access_token", "refresh_token"


def associated_data(connection: Connection, field: str) -> str:
    """What a sealed token is bound to: moved to another org's or connection's row, it will not open."""
    return f"{connection.org_id}|{connection.id}|{connection.provider}|{field}|v1"


def store_tokens(deps: Deps, uow: UnitOfWork, connection: Connection, tokens: TokenSet) -> None:
    """Seal and keep ``tokens`` for ``connection``, replacing what it had."""
    uow.vault.erase(connection.org_id, connection.id)
    values = {ACCESS: tokens.access_token, REFRESH: tokens.refresh_token}
    for field, value in values.items():
        if value:
            uow.vault.put(connection.org_id, connection.id, field,
                          deps.cipher.seal(value, associated_data(connection, field)))
    refresh_at = (tokens.expires_at - deps.refresh_margin) if tokens.expires_at and tokens.refresh_token else None
    uow.vault.index(connection.org_id, connection.id, deps.cipher.primary_key_id, refresh_at)


def open_token(deps: Deps, uow: UnitOfWork, connection: Connection, field: str) -> str | None:
    sealed = uow.vault.get(connection.org_id, connection.id, field)
    return deps.cipher.open(sealed, associated_data(connection, field)) if sealed else None


def erase_tokens(uow: UnitOfWork, connection: Connection) -> int:
    uow.vault.unindex(connection.id)
    return uow.vault.erase(connection.org_id, connection.id)


def access_token(deps: Deps, org_id: str, provider: str) -> tuple[Connection, str]:
    """The org's working access token for ``provider``, refreshed first when it is about to expire.

    Raises SendFailure when there is nothing usable: not connected (the seed FAQ's "integration
    disconnected"), or waiting for an admin to reconnect.
    """
    with deps.uow() as uow:
        uow.set_org(org_id)
        connection = uow.connections.active(org_id, provider)
        _require_usable(deps, connection, provider)
        due = connection.token_expires_at is not None and connection.token_expires_at - deps.refresh_margin <= deps.clock()
    if due:
        refresh(deps, org_id, connection.id)
    with deps.uow() as uow:
        uow.set_org(org_id)
        connection = uow.connections.get(org_id, connection.id)
        _require_usable(deps, connection, provider)
        if connection.token_expires_at is not None and connection.token_expires_at <= deps.clock():
            # The refresh failed for a reason that may pass (the provider's sign-in service is down):
            # an expired token would only earn a "reconnect" verdict. Wait and try again instead.
            raise SendFailure("token_refresh_failed", f"Stitch could not renew its {_title(deps, provider)} access "
                              "just now; it will try again.", retryable=True)
        try:
            token = open_token(deps, uow, connection, ACCESS)
        except SecretUnreadable:
            token = None
        if token is None:
            _record_failure(uow, connection, deps, "Stitch cannot read the stored access token.", needs_reconnect=True)
            uow.commit()
            raise _needs_reconnect(deps, provider)
    return connection, token


def refresh(deps: Deps, org_id: str, connection_id: str, *, unless_changed_from: str | None = None) -> None:
    """Refresh one connection's tokens, holding its row so two workers never both spend a refresh token
    (providers that rotate refresh tokens would invalidate one of them).

    ``unless_changed_from``: the access token a provider just called expired. Refresh even if the
    stored expiry says it is still good, unless the stored token is no longer that one (another
    worker refreshed it meanwhile)."""
    with deps.uow() as uow:
        uow.set_org(org_id)
        connection = uow.connections.get(org_id, connection_id, lock=True)
        if connection is None or not connection.active or connection.status is ConnectionStatus.NEEDS_RECONNECT:
            uow.vault.schedule_refresh(connection_id, None)  # only a reconnect brings new tokens
            uow.commit()
            return
        now = deps.clock()
        fresh = connection.token_expires_at is None or connection.token_expires_at - deps.refresh_margin > now
        if unless_changed_from is not None:
            try:
                fresh = open_token(deps, uow, connection, ACCESS) != unless_changed_from
            except SecretUnreadable:
                fresh = False
        if fresh:
            uow.vault.schedule_refresh(connection_id, connection.token_expires_at and
                                       connection.token_expires_at - deps.refresh_margin)  # another worker did it
            uow.commit()
            return
        try:
            refresh_token = open_token(deps, uow, connection, REFRESH)
        except SecretUnreadable:
            refresh_token = None
        try:
            if refresh_token is None:
                raise OAuthFailure("no_refresh_token", "Stitch holds no usable refresh token for this connection.",
                                   retryable=False, needs_reconnect=True)
            tokens = deps.oauth.refresh(connection.provider, refresh_token)
        except OAuthFailure as failure:
            _record_failure(uow, connection, deps, failure.message, needs_reconnect=failure.needs_reconnect)
            # Try again soon while the access token may still have minutes left; never after a refusal.
            uow.vault.schedule_refresh(connection_id, None if failure.needs_reconnect else now + deps.retry.base)
            uow.commit()
            log.warning("refreshing %s connection %s failed: %s", connection.provider, connection_id, failure.code)
            return
        store_tokens(deps, uow, connection, tokens)
        if connection.tokens_refreshed(tokens.expires_at, tokens.scopes, now):
            uow.publish(events.CONNECTION_CHANGED, events.connection_changed(connection))
        uow.connections.save(connection)
        uow.commit()


def refresh_due_tokens(deps: Deps) -> int:
    """The periodic job: refresh every token that expires within the margin, across orgs."""
    now = deps.clock()
    with deps.uow() as uow:
        due = uow.vault.claim_refresh_due(now, deps.batch, now + deps.lease)
        uow.commit()
    for item in due:
        try:
            refresh(deps, item.org_id, item.item_id)
        except Exception:  # noqa: BLE001 - one connection's trouble must not stop the others
            log.exception("refreshing connection %s failed", item.item_id)
    return len(due)


@dataclasses.dataclass(frozen=True)
class Rekeyed:
    connections: int  # connections whose tokens were sealed again under the primary key
    unreadable: int  # connections with a token no configured key opens (reconnect them)
    by_key: dict[str, int]  # connections per key id afterwards


def reencrypt_all(deps: Deps) -> Rekeyed:
    """Seal every token again under the primary key (after a new key was put first in the list)."""
    done = unreadable = 0
    after = ""
    primary = deps.cipher.primary_key_id
    while batch := _not_under(deps, primary, after):
        for item in batch:
            after = item.item_id
            if _reseal(deps, item.org_id, item.item_id):
                done += 1
            else:
                unreadable += 1
    with deps.uow() as uow:
        return Rekeyed(done, unreadable, uow.vault.count_by_key())


def _not_under(deps: Deps, key_id: str, after: str):
    with deps.uow() as uow:
        return uow.vault.not_under(key_id, 100, after)


def _reseal(deps: Deps, org_id: str, connection_id: str) -> bool:
    with deps.uow() as uow:
        uow.set_org(org_id)
        connection = uow.connections.get(org_id, connection_id, lock=True)
        if connection is None:
            uow.vault.unindex(connection_id)
            uow.commit()
            return True
        try:
            fields = {field: deps.cipher.open(sealed, associated_data(connection, field))
                      for field, sealed in uow.vault.fields(org_id, connection_id).items()}
        except SecretUnreadable:
            log.error("connection %s holds a token no configured key opens; it needs a reconnect", connection_id)
            return False
        for field, value in fields.items():
            uow.vault.put(org_id, connection_id, field, deps.cipher.seal(value, associated_data(connection, field)))
        refresh_at = (connection.token_expires_at - deps.refresh_margin
                      if connection.token_expires_at and REFRESH in fields else None)
        uow.vault.index(org_id, connection_id, deps.cipher.primary_key_id, refresh_at)
        uow.commit()
        return True


def _title(deps: Deps, provider: str) -> str:
    return deps.providers[provider].title if provider in deps.providers else provider


def _require_usable(deps: Deps, connection: Connection | None, provider: str) -> None:
    title = _title(deps, provider)
    if connection is None or not connection.active:
        raise SendFailure("integration_disconnected",
                          f"{title} is not connected (the integration was disconnected or never set up). "
                          f"An admin can connect it in Settings → Integrations; then run the action again.",
                          retryable=False)
    if connection.status is ConnectionStatus.NEEDS_RECONNECT:
        raise _needs_reconnect(deps, provider)


def _needs_reconnect(deps: Deps, provider: str) -> SendFailure:
    title = _title(deps, provider)
    return SendFailure("integration_needs_reconnect",
                       f"{title} no longer accepts Stitch's access. An admin needs to reconnect {title} in "
                       "Settings → Integrations; then run the action again.", retryable=False, needs_reconnect=True)


def _record_failure(uow: UnitOfWork, connection: Connection, deps: Deps, message: str, *, needs_reconnect: bool) -> None:
    if connection.failed(message, deps.clock(), needs_reconnect=needs_reconnect):
        uow.publish(events.CONNECTION_CHANGED, events.connection_changed(connection))
    uow.connections.save(connection)


def connection_failed(deps: Deps, org_id: str, provider: str, failure: SendFailure) -> None:
    """A provider call failed because of the connection: mark it (and tell others if its status changed)."""
    with deps.uow() as uow:
        uow.set_org(org_id)
        connection = uow.connections.active(org_id, provider, lock=True)
        if connection is not None:
            _record_failure(uow, connection, deps, failure.message, needs_reconnect=failure.needs_reconnect)
            uow.commit()


def connection_worked(deps: Deps, org_id: str, connection_id: str) -> None:
    with deps.uow() as uow:
        uow.set_org(org_id)
        connection = uow.connections.get(org_id, connection_id, lock=True)
        if connection is not None and connection.worked(deps.clock()):
            uow.publish(events.CONNECTION_CHANGED, events.connection_changed(connection))
            uow.connections.save(connection)
            uow.commit()
