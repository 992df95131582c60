"""API keys of an organization: created by admins, shown once, stored as a digest, revocable.

A request with a key is turned into a one-minute token by the gateway (DESIGN §4), checking the
key on every request: a revoked key stops working at once.
"""

from __future__ import annotations

from typing import Any

from stitch.common.permissions import API_KEY_SCOPES
from stitch.gateway.application.ports import Clock, UnitOfWork
from stitch.gateway.application.tokens import TokenIssuer
from stitch.gateway.domain.credentials import ApiKey, parse_api_key, same_digest
from stitch.gateway.domain.identity import InvalidIdentity

MAX_KEYS_PER_ORG = 50
LAST_USED_GRAIN = 60  # seconds: "last used" is shown to admins; a write per request is not worth it


class InvalidApiKey(Exception):
    """Malformed, unknown or revoked key (one answer for all)."""


def create_api_key(org_id: str, name: str, scopes: list[str], created_by: str, uow: UnitOfWork,
                   clock: Clock) -> tuple[ApiKey, str]:
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise InvalidIdentity("name", "must be 1 to 100 characters")
    unknown = sorted(set(scopes) - API_KEY_SCOPES)
    if not scopes or unknown:
        raise InvalidIdentity("scopes", f"must be one or more of {', '.join(sorted(API_KEY_SCOPES))}")
    with uow:
        uow.set_org(org_id)
        if sum(key.active for key in uow.api_keys.of_org(org_id)) >= MAX_KEYS_PER_ORG:
            raise InvalidIdentity("name", f"an organization has at most {MAX_KEYS_PER_ORG} active keys")
        key, secret = ApiKey.issue(org_id, name, scopes, created_by, clock())
        uow.api_keys.add(key)
        uow.commit()
    return key, secret


def list_api_keys(org_id: str, uow: UnitOfWork) -> list[ApiKey]:
    with uow:
        return uow.api_keys.of_org(org_id)


def revoke_api_key(org_id: str, key_id: str, uow: UnitOfWork, clock: Clock) -> ApiKey | None:
    with uow:
        uow.set_org(org_id)
        key = next((k for k in uow.api_keys.of_org(org_id) if k.id == key_id), None)
        if key is None:
            return None
        if key.active:
            key.revoked_at = clock()
            uow.api_keys.save(key)
            uow.commit()
    return key


def exchange_api_key(value: str, uow: UnitOfWork, tokens: TokenIssuer, clock: Clock) -> dict[str, Any]:
    parsed = parse_api_key(value)
    if parsed is None:
        raise InvalidApiKey()
    prefix, secret = parsed
    with uow:
        key = uow.api_keys.by_prefix(prefix)
        if key is None or not key.active or not same_digest(secret, key.secret_hash):
            raise InvalidApiKey()
        now = clock()
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > LAST_USED_GRAIN:
            uow.set_org(key.org_id)
            uow.api_keys.touch(key.id, now)
            uow.commit()
    return tokens.for_api_key(key)
