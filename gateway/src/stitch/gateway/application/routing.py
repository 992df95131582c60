"""Tenant routing: which organization a request belongs to, and which cell serves it.

Staff and API-key requests carry their org in the verified token. Portal requests name it in
the path (``/portal/<slug>/…``), the host (``<slug>.<portal-domain>``) or a verified custom
domain; all three are forwarded as ``/portal/<slug>/…`` so the portal sees one shape. Headers
such as ``X-Org-Id`` are never read. Each org lives in one cell (its own set of service base
URLs); the default cell serves every org that has not been moved.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

from stitch.gateway.application.ports import UnitOfWork
from stitch.gateway.domain.identity import DEFAULT_CELL, Organization

_PORTAL_PATH = re.compile(r"^/portal/([a-z0-9-]{1,40})(/.*)?$")


class UnknownCell(Exception):
    """An org is routed to a cell this gateway has no URLs for: a configuration error."""


@dataclasses.dataclass(frozen=True)
class Cells:
    default: Mapping[str, str]  # service → base URL
    others: Mapping[str, Mapping[str, str]] = dataclasses.field(default_factory=dict)

    def base_url(self, cell: str, service: str) -> str:
        urls = self.default if cell == DEFAULT_CELL else self.others.get(cell)
        if urls is None or service not in urls:
            raise UnknownCell(f"no {service} URL for cell {cell!r}")
        return urls[service].rstrip("/")


@dataclasses.dataclass(frozen=True)
class PortalTarget:
    org: Organization
    path: str  # the canonical /portal/<slug>/… path the portal service serves


def org_cell(org_id: str, uow: UnitOfWork) -> str | None:
    with uow:
        org = uow.organizations.get(org_id)
    return org.cell if org else None


def portal_target(host: str, path: str, portal_domain: str, uow: UnitOfWork) -> PortalTarget | None:
    """The org a portal path (/portal/<slug>/…) or portal host (<slug>.<portal-domain>) names;
    None when the request is not a portal request or names no org. Custom domains: see below."""
    host = _bare(host)
    if match := _PORTAL_PATH.match(path):
        slug, rest = match.group(1), match.group(2) or "/"
    elif portal_domain and host.endswith(f".{portal_domain}"):
        slug, rest = host.removesuffix(f".{portal_domain}"), path
    else:
        return None
    with uow:
        org = uow.organizations.by_slug(slug)
    return PortalTarget(org, f"/portal/{org.slug}{rest}") if org else None


def is_portal_request(host: str, path: str, portal_domain: str) -> bool:
    return bool(_PORTAL_PATH.match(path)) or bool(portal_domain and _bare(host).endswith(f".{portal_domain}"))


def custom_domain_org(host: str, uow: UnitOfWork) -> Organization | None:
    """The org whose verified custom domain is ``host`` (the gateway caches this per host)."""
    with uow:
        return uow.organizations.by_custom_domain(_bare(host))


def _bare(host: str) -> str:
    return host.rsplit(":", 1)[0].lower().rstrip(".") if not host.startswith("[") else host.lower()
