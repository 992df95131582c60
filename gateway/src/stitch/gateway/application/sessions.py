"""Signing in with a password, and keeping a session alive with rotating refresh tokens.

Every refresh token is used once: using it yields a new one in the same family. Presenting a
token that was already used (or revoked) means someone holds a copy, so the whole family is
revoked and both the thief and the user must sign in again (RFC 9700 §4.14).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from stitch.gateway.application.ports import Clock, PasswordHasher, UnitOfWork
from stitch.gateway.application.tokens import TokenIssuer
from stitch.gateway.domain.credentials import RefreshToken, digest
from stitch.gateway.domain.identity import InvalidIdentity, normalize_email


class InvalidCredentials(Exception):
    """Wrong email, wrong password, deactivated user: one answer for all, so none is revealed."""


class InvalidRefreshToken(Exception):
    """Unknown, expired, revoked or replayed refresh token."""


@dataclasses.dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(days=7)
    absolute: timedelta = timedelta(days=30)


@dataclasses.dataclass(frozen=True)
class Session:
    access: dict[str, Any]
    refresh_token: str
    refresh_expires_in: int


def login(email: str, password: str, uow: UnitOfWork, hasher: PasswordHasher, tokens: TokenIssuer,
          policy: SessionPolicy, clock: Clock) -> Session:
    try:
        email = normalize_email(email)
    except InvalidIdentity:
        hasher.waste_time(password)
        raise InvalidCredentials() from None
    with uow:
        user = uow.users.by_email(email)
        if user is None or not user.active or user.password_hash is None:
            hasher.waste_time(password)
            raise InvalidCredentials()
        if not hasher.verify(user.password_hash, password):
            raise InvalidCredentials()
        uow.set_org(user.org_id)
        if hasher.needs_rehash(user.password_hash):  # parameters were raised since this hash was made
            user.password_hash = hasher.hash(password)
            uow.users.save(user)
        now = clock()
        refresh, raw = RefreshToken.issue(user.id, user.org_id, now, idle=policy.idle, absolute=policy.absolute)
        uow.refresh_tokens.add(refresh)
        uow.users.touch(user.id, now)
        uow.commit()
    return Session(tokens.for_user(user), raw, int((refresh.expires_at - now).total_seconds()))


def refresh(raw: str, uow: UnitOfWork, tokens: TokenIssuer, policy: SessionPolicy, clock: Clock) -> Session:
    now = clock()
    with uow:
        current = uow.refresh_tokens.by_hash(digest(raw))
        if current is None:
            raise InvalidRefreshToken()
        uow.set_org(current.org_id)
        if not uow.refresh_tokens.claim(current.id, now):  # already used or revoked: a replay
            uow.refresh_tokens.revoke_family(current.family_id, now)  # replay: end the whole sign-in
            uow.commit()
            raise InvalidRefreshToken()
        user = uow.users.get(current.org_id, current.subject_id)
        if now >= current.expires_at or user is None or not user.active:
            uow.refresh_tokens.revoke_family(current.family_id, now)
            uow.commit()
            raise InvalidRefreshToken()
        successor, raw_next = RefreshToken.issue(
            user.id, user.org_id, now, idle=policy.idle, absolute=policy.absolute,
            family_id=current.family_id, family_expires_at=current.family_expires_at)
        uow.refresh_tokens.add(successor)
        uow.users.touch(user.id, now)  # a web app refreshes every few minutes while in use
        uow.commit()
    return Session(tokens.for_user(user), raw_next, int((successor.expires_at - now).total_seconds()))


def logout(raw: str, uow: UnitOfWork, clock: Clock) -> None:
    """End the sign-in this refresh token belongs to. Unknown tokens are ignored (nothing to end)."""
    with uow:
        current = uow.refresh_tokens.by_hash(digest(raw))
        if current is not None:
            uow.set_org(current.org_id)
            uow.refresh_tokens.revoke_family(current.family_id, clock())
            uow.commit()
