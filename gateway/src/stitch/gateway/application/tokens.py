"""Issuing access tokens: the gateway is the only issuer (DESIGN §4).

Staff tokens (audience ``stitch``) carry the user's role; API-key tokens carry the key's scopes
and live a minute, so revoking a key takes effect on its next request; portal tokens (audience
``stitch-portal``) carry the contact's one account.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from stitch.common.permissions import API_KEY_ROLE, CONTACT_ROLE
from stitch.gateway.application.ports import Clock, Signer
from stitch.gateway.domain.credentials import ApiKey
from stitch.gateway.domain.identity import User
from stitch.gateway.domain.portal_principal import PortalPrincipal

MAX_ACCESS_TTL = 900  # 15 minutes: the ceiling DESIGN §4 sets for any access token


@dataclasses.dataclass(frozen=True)
class TokenIssuer:
    signer: Signer
    clock: Clock
    issuer: str
    staff_audience: str = "stitch"
    portal_audience: str = "stitch-portal"
    access_ttl: int = MAX_ACCESS_TTL
    api_key_ttl: int = 60

    def __post_init__(self) -> None:
        if not 0 < self.access_ttl <= MAX_ACCESS_TTL or not 0 < self.api_key_ttl <= MAX_ACCESS_TTL:
            raise ValueError(f"access tokens must live between 1 and {MAX_ACCESS_TTL} seconds")

    def for_user(self, user: User) -> dict[str, Any]:
        return self._issue(self.staff_audience, user.id, user.org_id, user.role, self.access_ttl)

    def for_api_key(self, key: ApiKey) -> dict[str, Any]:
        return self._issue(self.staff_audience, f"apikey:{key.id}", key.org_id, API_KEY_ROLE, self.api_key_ttl,
                           scope=" ".join(key.scopes))

    def for_contact(self, principal: PortalPrincipal) -> dict[str, Any]:
        return self._issue(self.portal_audience, principal.id, principal.org_id, CONTACT_ROLE, self.access_ttl,
                           acct=principal.account_id)

    def _issue(self, audience: str, subject: str, org_id: str, role: str, ttl: int, **extra: Any) -> dict[str, Any]:
        issued = int(self.clock().timestamp())
        claims = {"iss": self.issuer, "aud": audience, "sub": subject, "org": org_id, "role": role,
                  "iat": issued, "nbf": issued, "exp": issued + ttl, "jti": str(uuid.uuid4()), **extra}
        return {"access_token": self.signer.sign(claims), "token_type": "Bearer", "expires_in": ttl}
