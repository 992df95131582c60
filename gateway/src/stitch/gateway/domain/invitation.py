"""An admin's invitation of a teammate: an email, a role and a single-use link to accept it.

Resending mints a new link (the old one stops working) and restarts the clock; accepting,
revoking and expiry all end it. Accepting creates the user and spends the invitation in one
transaction, so there is never a user without an org nor an invitation that outlived its use.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta

from stitch.gateway.domain.email_links import LinkRefused, SpentLink, UnknownLink, new_token
from stitch.gateway.domain.identity import IdentityConflict, normalize_email, valid_role

PENDING, ACCEPTED, REVOKED, EXPIRED = "pending", "accepted", "revoked", "expired"


@dataclasses.dataclass
class Invitation:
    id: str
    org_id: str
    email: str
    role: str
    invited_by: str
    token_hash: str
    status: str  # pending, accepted or revoked; "expired" is derived from expires_at
    created_at: datetime
    expires_at: datetime
    last_sent_at: datetime
    send_count: int = 1
    accepted_at: datetime | None = None
    revoked_at: datetime | None = None

    @classmethod
    def issue(cls, org_id: str, email: str, role: str, invited_by: str, now: datetime,
              ttl: timedelta) -> tuple[Invitation, str]:
        raw, token_hash = new_token()
        return cls(id=str(uuid.uuid4()), org_id=org_id, email=normalize_email(email), role=valid_role(role),
                   invited_by=invited_by, token_hash=token_hash, status=PENDING, created_at=now,
                   expires_at=now + ttl, last_sent_at=now), raw

    def state(self, now: datetime) -> str:
        return EXPIRED if self.status == PENDING and now >= self.expires_at else self.status

    def resend(self, now: datetime, ttl: timedelta) -> str:
        if self.status != PENDING:
            raise IdentityConflict(f"the invitation was {self.status}; invite again instead")
        raw, self.token_hash = new_token()
        self.expires_at, self.last_sent_at, self.send_count = now + ttl, now, self.send_count + 1
        return raw

    def revoke(self, now: datetime) -> None:
        if self.status == ACCEPTED:
            raise IdentityConflict("the invitation was accepted; deactivate the user instead")
        if self.status == PENDING:
            self.status, self.revoked_at = REVOKED, now


def refusal(invitation: Invitation | None, now: datetime) -> LinkRefused:
    if invitation is None:
        return UnknownLink("this invitation link is not valid: it may have been replaced by a newer one")
    match invitation.state(now):
        case "accepted":
            return SpentLink("this invitation was already accepted: sign in instead")
        case "revoked":
            return SpentLink("this invitation was withdrawn: ask your admin for a new one")
        case "expired":
            return SpentLink("this invitation has expired: ask your admin to send it again")
    return UnknownLink("this invitation link is not valid")
