"""Connecting an organization to a provider with OAuth 2.0, and disconnecting it.

The flow: an admin asks to connect (``start_connect``) and gets the provider's authorization URL
plus a browser secret that the API sets as a cookie; the provider sends the browser back to the
public callback (``finish_connect``) with a code and the state. The state is random, stored only
as a hash, lives ten minutes, is used once (taken atomically), and counts only from the browser
that holds the cookie, so a link that leaks or is replayed, or a state started by someone else,
gets nowhere.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import secrets
from datetime import datetime
from urllib.parse import urlencode

from stitch.connectors.application import events, vault
from stitch.connectors.application.common import Deps, provider, require_configured
from stitch.connectors.application.ports import OAuthState, SecretUnreadable
from stitch.connectors.application.providers_ports import TokenSet
from stitch.connectors.domain.connections import Connection, ConnectionStatus
from stitch.connectors.domain.errors import BadOAuthState, InvalidInput, NotFound
from stitch.connectors.domain.failures import OAuthFailure, SendFailure
from stitch.connectors.domain.providers import ProviderDefinition

log = logging.getLogger(__name__)
DEFAULT_RETURN = "/settings/integrations"


@dataclasses.dataclass(frozen=True)
class ConnectStart:
    authorization_url: str
    browser_secret: str  # set as an HttpOnly cookie by the view; only its hash is stored
    expires_at: datetime
    provider: ProviderDefinition


def hashed(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def callback_url(deps: Deps, name: str) -> str:
    return f"{deps.public_url.rstrip('/')}/oauth/{name}/callback"


def start_connect(deps: Deps, org_id: str, user_id: str, name: str, return_to: str | None) -> ConnectStart:
    definition = provider(deps, name)
    require_configured(deps, definition)
    return_to = _safe_return(return_to)
    state, browser = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64) if definition.pkce else None  # 86 chars: within RFC 7636's 43-128
    now = deps.clock()
    expires_at = now + deps.state_lifetime
    state_hash = hashed(state)
    with deps.uow() as uow:
        uow.oauth_states.purge(now)
        uow.oauth_states.add(OAuthState(
            state_hash=state_hash, org_id=org_id, user_id=user_id, provider=name, browser_hash=hashed(browser),
            verifier=deps.cipher.seal(verifier, f"oauth_state|{state_hash}") if verifier else None,
            return_to=return_to, created_at=now, expires_at=expires_at))
        uow.commit()
    url = deps.oauth.authorization_url(name, state=state, code_verifier=verifier,
                                       redirect_uri=callback_url(deps, name))
    return ConnectStart(url, browser, expires_at, definition)


def finish_connect(deps: Deps, name: str, *, state: str | None, browser_secret: str | None, code: str | None,
                   error: str | None) -> str:
    """Complete the flow; the URL (on Stitch) to send the browser to. BadOAuthState → the caller answers 400."""
    definition = provider(deps, name)
    if not state:
        raise BadOAuthState("the callback has no state")
    now = deps.clock()
    with deps.uow() as uow:
        stored = uow.oauth_states.take(hashed(state), now)  # used from here on, whatever happens next
        uow.commit()
    if stored is None:
        raise BadOAuthState("the state is unknown or was already used")
    if stored.provider != name or stored.expires_at <= now:
        raise BadOAuthState("the state belongs to another provider or has expired")
    if not browser_secret or not secrets.compare_digest(hashed(browser_secret), stored.browser_hash):
        raise BadOAuthState("the state was started in another browser session")
    if error or not code:
        return _back(deps, stored, "denied" if error == "access_denied" else "failed", error or "no_code")
    try:
        verifier = deps.cipher.open(stored.verifier, f"oauth_state|{stored.state_hash}") if stored.verifier else None
    except SecretUnreadable:  # its key was dropped while the flow was open
        raise BadOAuthState("the connection flow can no longer be finished") from None
    try:
        tokens = deps.oauth.exchange_code(name, code=code, code_verifier=verifier,
                                          redirect_uri=callback_url(deps, name))
    except OAuthFailure as failure:
        log.warning("%s code exchange for org %s failed: %s", name, stored.org_id, failure.code)
        return _back(deps, stored, "failed", failure.code)
    account_id, account_name = _identify(deps, definition, tokens)
    _keep(deps, stored, definition, tokens, account_id, account_name, now)
    return _back(deps, stored, "connected")


def disconnect(deps: Deps, org_id: str, user_id: str, name: str) -> tuple[Connection, bool]:
    """Revoke at the provider where it can, delete the tokens, keep what was synced.

    The connection is disconnected even when revocation fails (the provider is down): the tokens
    are gone from Stitch either way. Returns the connection and whether the provider revoked.
    """
    definition = provider(deps, name)
    with deps.uow() as uow:
        uow.set_org(org_id)
        # Under the row lock, so a refresh cannot swap the tokens between reading and erasing them:
        # what is revoked below is exactly what was erased here.
        connection = uow.connections.active(org_id, name, lock=True)
        if connection is None:
            raise NotFound(f"{definition.title} is not connected")
        try:
            token = vault.open_token(deps, uow, connection, vault.ACCESS)
        except SecretUnreadable:  # cannot be revoked, but is erased all the same
            token = None
        vault.erase_tokens(uow, connection)
        connection.disconnect(user_id, deps.clock())
        uow.connections.save(connection)
        uow.publish(events.CONNECTION_CHANGED, events.connection_changed(connection))
        uow.commit()
    revoked = False
    if token and definition.revoke_url:  # after the commit: a provider call never holds the row
        try:
            revoked = deps.oauth.revoke(name, token)
        except OAuthFailure as failure:  # already dead at the provider, or the provider is down
            log.warning("revoking the %s token of org %s failed (%s); it is erased", name, org_id, failure.code)
    return connection, revoked


@dataclasses.dataclass(frozen=True)
class ConnectionTest:
    ok: bool
    connection: Connection
    account_name: str | None = None
    error: dict | None = None


def test_connection(deps: Deps, org_id: str, name: str) -> ConnectionTest:
    """Call the provider with the stored token (refreshing it first if due): does it still work?"""
    provider(deps, name)
    try:
        connection, token = vault.access_token(deps, org_id, name)
        identity = _identifier(deps, name)(token)
    except SendFailure as failure:
        if failure.code not in ("integration_disconnected", "not_supported"):  # the connection's own trouble
            vault.connection_failed(deps, org_id, name, failure)
        connection = _current(deps, org_id, name)
        if connection is None:
            raise NotFound(f"{deps.providers[name].title} is not connected") from None
        return ConnectionTest(False, connection, error={"code": failure.code, "message": failure.message,
                                                        "retryable": failure.retryable})
    vault.connection_worked(deps, org_id, connection.id)
    return ConnectionTest(True, _current(deps, org_id, name) or connection, account_name=identity.account_name)


def connections(deps: Deps, org_id: str) -> list[Connection]:
    with deps.uow() as uow:
        uow.set_org(org_id)
        return uow.connections.all(org_id)


def set_default_channel(deps: Deps, org_id: str, name: str, channel: str | None) -> Connection:
    with deps.uow() as uow:
        uow.set_org(org_id)
        connection = uow.connections.active(org_id, name, lock=True)
        if connection is None:
            raise NotFound(f"{provider(deps, name).title} is not connected")
        connection.set_default_channel(channel, deps.clock())
        uow.connections.save(connection)
        uow.commit()
        return connection


def _current(deps: Deps, org_id: str, name: str) -> Connection | None:
    with deps.uow() as uow:
        uow.set_org(org_id)
        return uow.connections.active(org_id, name)


def _identifier(deps: Deps, name: str):
    identify = deps.identifiers.get(name)
    if identify is None:
        raise SendFailure("not_supported", f"Stitch cannot test a {name} connection yet.", retryable=False)
    return identify


def _identify(deps: Deps, definition: ProviderDefinition, tokens: TokenSet) -> tuple[str, str]:
    """Who the new token speaks for; the token response's own naming when the API cannot say."""
    try:
        identity = _identifier(deps, definition.name)(tokens.access_token)
        return identity.account_id, identity.account_name
    except SendFailure as failure:
        log.warning("identifying a new %s connection failed: %s", definition.name, failure.code)
        return tokens.account_id or "", tokens.account_name or definition.title


def _keep(deps: Deps, stored: OAuthState, definition: ProviderDefinition, tokens: TokenSet, account_id: str,
          account_name: str, now: datetime) -> None:
    scopes = tokens.scopes or definition.scope_names
    with deps.uow() as uow:
        uow.set_org(stored.org_id)
        connection = uow.connections.active(stored.org_id, definition.name, lock=True)
        if connection is None:
            connection = Connection(
                id=deps.new_id(), org_id=stored.org_id, provider=definition.name, status=ConnectionStatus.CONNECTED,
                account_id=account_id, account_name=account_name[:200], scopes=scopes, connected_by=stored.user_id,
                connected_at=now, token_expires_at=tokens.expires_at, changed_at=now)
            if not uow.connections.add(connection):
                # Another admin's flow connected it a moment ago: theirs is the connection, ours reconnects it.
                connection = uow.connections.active(stored.org_id, definition.name, lock=True)
                connection.reconnected(account_id=account_id, account_name=account_name[:200], scopes=scopes,
                                       by=stored.user_id, at=now, token_expires_at=tokens.expires_at)
                uow.connections.save(connection)
        else:
            connection.reconnected(account_id=account_id, account_name=account_name[:200], scopes=scopes,
                                   by=stored.user_id, at=now, token_expires_at=tokens.expires_at)
            uow.connections.save(connection)
        vault.store_tokens(deps, uow, connection, tokens)
        uow.publish(events.CONNECTION_CHANGED, events.connection_changed(connection))
        uow.commit()


def _back(deps: Deps, stored: OAuthState, result: str, reason: str | None = None) -> str:
    query = {"provider": stored.provider, "result": result, **({"reason": reason[:100]} if reason else {})}
    separator = "&" if "?" in stored.return_to else "?"
    return f"{deps.public_url.rstrip('/')}{stored.return_to}{separator}{urlencode(query)}"


def _safe_return(return_to: str | None) -> str:
    """A path on Stitch only: an absolute or scheme-relative URL would make the callback an open redirect."""
    if return_to is None or return_to == "":
        return DEFAULT_RETURN
    if (not return_to.startswith("/") or return_to.startswith("//") or "\\" in return_to
            or any(ord(char) < 33 for char in return_to) or len(return_to) > 500):
        raise InvalidInput("return_to", "must be a path on Stitch starting with a single '/'")
    return return_to
