"""Issuing access tokens. Until staff accounts exist, only the seeded development admin gets one."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol


class Signer(Protocol):
    def sign(self, claims: dict[str, Any]) -> str: ...


def issue_access_token(signer: Signer, now: Callable[[], datetime], *, issuer: str, audience: str,
                       subject: str, org_id: str, role: str, ttl: int) -> dict[str, Any]:
    issued = int(now().timestamp())
    claims = {"iss": issuer, "aud": audience, "sub": subject, "org": org_id, "role": role,
              "iat": issued, "nbf": issued, "exp": issued + ttl, "jti": str(uuid.uuid4())}
    return {"access_token": signer.sign(claims), "token_type": "Bearer", "expires_in": ttl}
