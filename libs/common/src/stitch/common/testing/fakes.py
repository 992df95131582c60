"""Fakes for unit tests: a unit of work that keeps everything in memory, and test signing keys."""

from __future__ import annotations

import time
from typing import Any, Self

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from stitch.common.envelope import Envelope, new_event
from stitch.common.tokens import JwksSource, TokenVerifier


class FakeUnitOfWork:
    """Records what a use case did; services subclass it to add in-memory repositories."""

    event_namespace: str | None = None

    def __init__(self, service: str) -> None:
        self.service = service
        self.org_id: str | None = None
        self.committed = False
        self.published: list[Envelope] = []
        self._pending: list[Envelope] = []
        self.inbox: set[str] = set()

    def __enter__(self) -> Self:
        self.committed = False
        self._pending = []
        return self

    def __exit__(self, *exc: Any) -> None:
        self._pending = []  # a rollback drops unpublished events, like the real outbox

    def set_org(self, org_id: str | None) -> None:
        self.org_id = org_id

    def publish(self, event_type: str, data: dict[str, Any]) -> Envelope:
        envelope = new_event(self.service, event_type, data, self.org_id, self.event_namespace)
        self._pending.append(envelope)
        return envelope

    def claim_inbox(self, envelope: Envelope) -> bool:
        if envelope.id in self.inbox:
            return False
        self.inbox.add(envelope.id)
        return True

    def commit(self) -> None:
        self.published += self._pending
        self._pending = []
        self.committed = True


class TestKeys:
    """An ES256 key pair that signs tokens the way the gateway does, for tests of verifiers."""

    __test__ = False  # not a pytest test class

    def __init__(self, kid: str = "test-key", issuer: str = "stitch") -> None:
        base = ECKey.generate_key("P-256", private=True).as_dict(private=True)
        self.key = ECKey.import_key({**base, "kid": kid, "alg": "ES256"})
        self.kid, self.issuer = kid, issuer

    def jwks(self) -> dict:
        return KeySet([ECKey.import_key(self.key.as_dict(private=False))]).as_dict(private=False)

    def verifier(self, audience: str = "stitch") -> TokenVerifier:
        return TokenVerifier(JwksSource.static(self.jwks()), self.issuer, audience)

    def token(self, *, org: str | None = "org-1", role: str = "admin", sub: str | None = "user-1",
              audience: str = "stitch", ttl: int = 300, header: dict[str, Any] | None = None,
              now: int | None = None, **extra: Any) -> str:
        """A signed access token, typed ``at+jwt`` like the gateway's. ``header`` adds to or
        replaces JOSE header parameters, ``now`` sets iat (exp = now + ttl), and a claim or header
        parameter given as ``None`` is left out (``sub=None``, ``header={"typ": None}``)."""
        issued = int(time.time()) if now is None else now
        claims = {"iss": self.issuer, "aud": audience, "sub": sub, "org": org, "role": role,
                  "iat": issued, "exp": issued + ttl, **extra}
        claims = {name: value for name, value in claims.items() if value is not None}
        protected = {"alg": "ES256", "kid": self.kid, "typ": "at+jwt", **(header or {})}
        protected = {name: value for name, value in protected.items() if value is not None}
        return jwt.encode(protected, claims, self.key, default_type=None)

    def bearer(self, **kwargs: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(**kwargs)}"}
