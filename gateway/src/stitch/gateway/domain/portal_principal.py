"""A customer's contact who may sign in to the portal: one contact, of one account, of one org.

The portal owns the contact's access; the gateway keeps only what it needs to issue that contact
a ``stitch-portal`` token bound to the account (DESIGN §1: portal → gateway event chain).
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime

from stitch.gateway.domain.identity import ACTIVE, normalize_email


@dataclasses.dataclass
class PortalPrincipal:
    id: str
    org_id: str
    account_id: str
    contact_id: str
    email: str
    name: str
    status: str
    created_at: datetime

    @classmethod
    def invite(cls, org_id: str, account_id: str, contact_id: str, email: str, name: str,
               now: datetime) -> PortalPrincipal:
        return cls(id=str(uuid.uuid4()), org_id=org_id, account_id=account_id, contact_id=contact_id,
                   email=normalize_email(email), name=" ".join(name.split()), status=ACTIVE, created_at=now)
