"""Single-use links sent by email: sign-up verification and password reset.

The raw token exists only in the mail; the store keeps its SHA-256 (256 random bits need no slow
hash). A link is spent by one atomic update, in the same transaction as what it unlocks, so a
failed sign-up leaves the link usable and two clicks racing cannot both win.
"""

from __future__ import annotations

import dataclasses
import secrets
import uuid
from datetime import datetime, timedelta

from stitch.gateway.domain.credentials import digest

VERIFY_EMAIL = "verify_email"  # sign-up: proves the mailbox; org_id set when it joins an org by domain
RESET_PASSWORD = "reset_password"  # subject_id: the user whose password it resets


class LinkRefused(Exception):
    """A link that cannot be used; ``status`` and the message say why (400 unknown, 410 spent)."""

    status = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class UnknownLink(LinkRefused):
    status = 400


class SpentLink(LinkRefused):
    status = 410


def new_token() -> tuple[str, str]:
    """A fresh secret for a link and the digest to store instead of it."""
    raw = secrets.token_urlsafe(32)
    return raw, digest(raw)


@dataclasses.dataclass
class EmailLink:
    id: str
    purpose: str
    token_hash: str
    email: str
    org_id: str | None
    subject_id: str | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    @classmethod
    def issue(cls, purpose: str, email: str, now: datetime, ttl: timedelta, *, org_id: str | None = None,
              subject_id: str | None = None) -> tuple[EmailLink, str]:
        raw, token_hash = new_token()
        return cls(id=str(uuid.uuid4()), purpose=purpose, token_hash=token_hash, email=email, org_id=org_id,
                   subject_id=subject_id, created_at=now, expires_at=now + ttl), raw

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at


def refusal(link: EmailLink | None, now: datetime, *, used: str, expired: str) -> LinkRefused:
    """Why a link could not be spent, in words the person holding it can act on."""
    if link is None:
        return UnknownLink("this link is not valid: it may have been replaced by a newer one; ask for a new link")
    if link.used_at is not None:
        return SpentLink(used)
    if now >= link.expires_at:
        return SpentLink(expired)
    return UnknownLink("this link is not valid")
