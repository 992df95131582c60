"""An organization's own portal domain (portal.customer.com), routed only once proven.

Proof is a DNS TXT record only the domain's owner can publish, the way Google, GitHub Pages and
Vercel verify domains: ``_stitch-challenge.<domain>`` must hold ``stitch-verify=<token>``.
"""

from __future__ import annotations

import dataclasses
import secrets
from datetime import datetime

from stitch.gateway.domain.identity import normalize_domain

CHALLENGE_LABEL = "_stitch-challenge"


@dataclasses.dataclass
class CustomDomain:
    domain: str
    org_id: str
    token: str
    created_at: datetime
    verified_at: datetime | None = None

    @classmethod
    def claim(cls, org_id: str, domain: str, now: datetime) -> CustomDomain:
        return cls(domain=normalize_domain(domain, "domain"), org_id=org_id, token=secrets.token_urlsafe(24),
                   created_at=now)

    @property
    def record_name(self) -> str:
        return f"{CHALLENGE_LABEL}.{self.domain}"

    @property
    def record_value(self) -> str:
        return f"stitch-verify={self.token}"

    def verify(self, published: list[str], now: datetime) -> bool:
        if self.record_value in (value.strip() for value in published):
            self.verified_at = self.verified_at or now
        return self.verified_at is not None
