"""Verifying the gateway's access tokens in any process (DESIGN §4).

Only asymmetric algorithms are accepted, the header must type the token as an access token
(``typ: at+jwt``, RFC 9068) and may not name its own keys (``jku``/``x5u``/``jwk``), the ``kid``
must name a key in the gateway's JWKS, and issuer, audience, subject, expiry, not-before and
issued-at are checked (RFC 8725). Keys are fetched from the JWKS URL with a timeout and
cached; an unknown ``kid`` triggers at most one refetch per ``min_refresh`` seconds, so key
rotation works without letting a flood of bogus tokens hammer the gateway.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

ALGORITHMS = ["ES256", "EdDSA", "RS256"]
# RFC 9068 §2.1: "at+jwt"; the media type's full form is "application/at+jwt" (RFC 7515 §4.1.9).
TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})


class TokenError(Exception):
    """The token is missing, malformed, expired, or not ours. The message is safe to show."""


@dataclasses.dataclass(frozen=True)
class Principal:
    subject: str
    org_id: str
    role: str
    audience: str
    claims: dict[str, Any]

    @property
    def scopes(self) -> frozenset[str]:
        """An API-key token's scopes (the ``scope`` claim, space-separated as in RFC 8693)."""
        return frozenset(str(self.claims.get("scope", "")).split())

    @property
    def account_id(self) -> str | None:
        """The one account a portal contact's token is bound to (``acct``); None for staff."""
        return self.claims.get("acct")

    def can(self, capability: str) -> bool:
        from stitch.common.permissions import capabilities_of

        return capability in capabilities_of(self.role, self.scopes)


class JwksSource:
    def __init__(self, fetch: Callable[[], dict], ttl: float = 300.0, min_refresh: float = 10.0,
                 clock: Callable[[], float] | None = None) -> None:
        self._fetch = fetch
        self._ttl, self._min_refresh = ttl, min_refresh
        self._clock = clock  # a monotonic clock; time.monotonic unless given
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._attempted_at = float("-inf")
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, timeout: float = 2.0) -> JwksSource:
        def fetch() -> dict:
            response = requests.get(url, timeout=timeout)
            response.raise_for_status()
            return response.json()

        return cls(fetch)

    @classmethod
    def static(cls, jwks: dict) -> JwksSource:
        return cls(lambda: jwks, ttl=float("inf"))

    @classmethod
    def from_callable(cls, jwks: Callable[[], dict]) -> JwksSource:
        """In-process keys (the gateway verifying its own tokens): always current."""
        return cls(jwks, ttl=0.0, min_refresh=0.0)

    def key_set(self, kid: str | None) -> KeySet:
        with self._lock:
            now = self._now()
            stale = self._keys is None or now - self._fetched_at > self._ttl
            unknown = self._keys is not None and kid is not None and not _has_kid(self._keys, kid)
            # Throttle by the last attempt, not the last success: a failing JWKS endpoint must
            # not be hit once per request while we still hold keys.
            throttled = self._keys is not None and now - self._attempted_at < self._min_refresh
            if (stale or unknown) and not throttled:
                self._attempted_at = now
                try:
                    self._keys = KeySet.import_key_set(self._fetch())
                    self._fetched_at = self._now()
                except Exception as exc:
                    if self._keys is None:
                        raise TokenError("signing keys are unavailable") from exc
            return self._keys

    def _now(self) -> float:
        return self._clock() if self._clock is not None else time.monotonic()


def _has_kid(keys: KeySet, kid: str) -> bool:
    return any(key.kid == kid for key in keys.keys)


class TokenVerifier:
    def __init__(self, jwks: JwksSource, issuer: str, audience: str, leeway: int = 30,
                 clock: Callable[[], float] | None = None) -> None:
        """``clock``: wall-clock seconds since the epoch for exp/nbf/iat (``time.time`` unless given)."""
        self._jwks, self._issuer, self._audience, self._leeway = jwks, issuer, audience, leeway
        self._now = (lambda: int(clock())) if clock is not None else None  # None: joserfc reads the time

    def verify(self, token: str) -> Principal:
        try:
            header = _header(token)  # read before any key is chosen: alg, kid and key-naming headers
        except Exception as exc:
            raise TokenError("malformed token") from exc
        if header.get("alg") not in ALGORITHMS:
            raise TokenError("token algorithm not accepted")
        if "jku" in header or "x5u" in header or "jwk" in header:
            raise TokenError("token names its own keys")
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in TOKEN_TYPES:
            raise TokenError("token is not an access token")
        kid = header.get("kid")
        keys = self._jwks.key_set(kid)
        if not kid or not _has_kid(keys, kid):
            raise TokenError("token signed by an unknown key")
        try:
            decoded = jwt.decode(token, keys, algorithms=ALGORITHMS)
            jwt.JWTClaimsRegistry(
                now=self._now,
                leeway=self._leeway,  # also refuses an nbf or iat ahead of now + leeway
                iss={"essential": True, "value": self._issuer},
                aud={"essential": True, "value": self._audience},
                exp={"essential": True},
                sub={"essential": True},
            ).validate(decoded.claims)
        except JoseError as exc:
            raise TokenError(f"token rejected: {exc.error}") from exc
        except ValueError as exc:
            raise TokenError("malformed token") from exc
        claims = decoded.claims
        if not isinstance(claims.get("org"), str) or not claims["org"]:
            raise TokenError("token carries no organization")
        return Principal(subject=str(claims["sub"]), org_id=str(claims["org"]), role=str(claims.get("role", "")),
                         audience=self._audience, claims=claims)


def _header(token: str) -> dict:
    if token.count(".") != 2:  # a compact JWS is exactly header.payload.signature
        raise ValueError("not a compact JWS")
    head = token.split(".")[0]
    header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    if not isinstance(header, dict):
        raise ValueError("the JOSE header is not an object")
    return header
