"""Checking and spending a mailed link of one purpose, with the reason when it cannot be used."""

from __future__ import annotations

from datetime import datetime

from stitch.gateway.application.ports import UnitOfWork
from stitch.gateway.domain.credentials import digest
from stitch.gateway.domain.email_links import EmailLink, refusal


def check(uow: UnitOfWork, token: str, purpose: str, now: datetime, *, used: str, expired: str) -> EmailLink:
    """The link, unspent; raises LinkRefused otherwise (a link of another purpose is unknown here)."""
    link = _of_purpose(uow.email_links.by_hash(digest(token)), purpose)
    if link is None or not link.usable(now):
        raise refusal(link, now, used=used, expired=expired)
    return link


def spend(uow: UnitOfWork, token: str, purpose: str, now: datetime, *, used: str, expired: str) -> EmailLink:
    """Mark the link used within the caller's transaction; raises LinkRefused if it was not usable."""
    link = uow.email_links.spend(digest(token), purpose, now)
    if link is None:
        raise refusal(_of_purpose(uow.email_links.by_hash(digest(token)), purpose), now, used=used, expired=expired)
    return link


def _of_purpose(link: EmailLink | None, purpose: str) -> EmailLink | None:
    return link if link is not None and link.purpose == purpose else None
