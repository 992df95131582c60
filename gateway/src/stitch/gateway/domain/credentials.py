"""Opaque credentials: refresh tokens and API keys. Only their SHA-256 digests are stored.

Both secrets carry 256 bits from ``secrets``, so a fast hash is enough (nothing to brute-force);
passwords, which people choose, use argon2id instead (adapters/passwords.py).
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
import secrets
import uuid
from datetime import datetime, timedelta

API_KEY_PREFIX = "stk_"  # recognisable in logs and by secret scanners; never a JWT
_API_KEY = re.compile(r"^stk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same_digest(secret: str, stored: str) -> bool:
    return hmac.compare_digest(digest(secret), stored)


@dataclasses.dataclass
class RefreshToken:
    id: str
    family_id: str
    subject_id: str
    org_id: str
    token_hash: str
    issued_at: datetime
    expires_at: datetime  # idle limit: unused this long, the session ends
    family_expires_at: datetime  # absolute limit of the whole sign-in, however often it rotates
    used_at: datetime | None = None
    revoked_at: datetime | None = None

    @classmethod
    def issue(cls, subject_id: str, org_id: str, now: datetime, *, idle: timedelta, absolute: timedelta,
              family_id: str | None = None, family_expires_at: datetime | None = None) -> tuple[RefreshToken, str]:
        raw = secrets.token_urlsafe(32)
        family_end = family_expires_at or now + absolute
        token = cls(id=str(uuid.uuid4()), family_id=family_id or str(uuid.uuid4()), subject_id=subject_id,
                    org_id=org_id, token_hash=digest(raw), issued_at=now,
                    expires_at=min(now + idle, family_end), family_expires_at=family_end)
        return token, raw

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at


@dataclasses.dataclass
class ApiKey:
    id: str
    org_id: str
    name: str
    prefix: str  # public part of the key; finds the row without scanning hashes
    secret_hash: str
    scopes: list[str]
    created_by: str
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    @classmethod
    def issue(cls, org_id: str, name: str, scopes: list[str], created_by: str,
              now: datetime) -> tuple[ApiKey, str]:
        prefix = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))
        secret = secrets.token_urlsafe(32)
        key = cls(id=str(uuid.uuid4()), org_id=org_id, name=name, prefix=prefix, secret_hash=digest(secret),
                  scopes=sorted(set(scopes)), created_by=created_by, created_at=now)
        return key, f"{API_KEY_PREFIX}{prefix}_{secret}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def parse_api_key(value: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed key, else None."""
    match = _API_KEY.match(value)
    return (match.group(1), match.group(2)) if match else None


def looks_like_api_key(value: str) -> bool:
    return value.startswith(API_KEY_PREFIX)
