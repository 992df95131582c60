"""Admins claim a portal domain, publish the TXT record we show them, then ask us to verify."""

from __future__ import annotations

from collections.abc import Callable

from stitch.gateway.application.ports import Clock, UnitOfWork
from stitch.gateway.domain.custom_domain import CustomDomain
from stitch.gateway.domain.identity import IdentityConflict, normalize_domain

TxtLookup = Callable[[str], list[str]]  # DNS name → its TXT strings ([] when none or unreachable)


def claim_domain(org_id: str, domain: str, uow: UnitOfWork, clock: Clock) -> CustomDomain:
    claimed = CustomDomain.claim(org_id, domain, clock())
    with uow:
        uow.set_org(org_id)
        existing = uow.custom_domains.get(claimed.domain)
        if existing is not None:
            if existing.org_id != org_id:
                raise IdentityConflict("this domain is claimed by another organization")
            return existing
        uow.custom_domains.add(claimed)
        uow.commit()
    return claimed


def list_domains(org_id: str, uow: UnitOfWork) -> list[CustomDomain]:
    with uow:
        return uow.custom_domains.of_org(org_id)


def verify_domain(org_id: str, domain: str, uow: UnitOfWork, lookup: TxtLookup, clock: Clock) -> CustomDomain | None:
    with uow:
        uow.set_org(org_id)
        claimed = uow.custom_domains.get(normalize_domain(domain, "domain"))
        if claimed is None or claimed.org_id != org_id:
            return None
        if claimed.verified_at is None and claimed.verify(lookup(claimed.record_name), clock()):
            uow.custom_domains.save(claimed)
            uow.commit()
    return claimed


def release_domain(org_id: str, domain: str, uow: UnitOfWork) -> bool:
    with uow:
        uow.set_org(org_id)
        claimed = uow.custom_domains.get(normalize_domain(domain, "domain"))
        if claimed is None or claimed.org_id != org_id:
            return False
        uow.custom_domains.remove(claimed.domain)
        uow.commit()
    return True
