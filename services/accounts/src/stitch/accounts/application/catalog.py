"""The template catalog: which templates exist in an org, as the templates service announced.

A read model fed by ``templates.template_created.v1``; accounts never asks templates directly.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Any

from stitch.common.messaging.errors import PermanentFailure

if TYPE_CHECKING:
    from stitch.accounts.application.ports import UnitOfWork


@dataclasses.dataclass(frozen=True)
class CatalogEntry:
    org_id: str
    template_id: str
    name: str
    created_at: datetime
    recorded_at: datetime


def when_template_created_add_to_catalog(event: Any, uow: UnitOfWork, now: datetime) -> None:
    """Runs inside the consumer's transaction (inbox row + this write commit together)."""
    data = event.data
    try:  # tolerant reader: take only the fields this service needs
        entry = CatalogEntry(org_id=str(event.orgid), template_id=str(data["template_id"]),
                             name=str(data["name"]), created_at=datetime.fromisoformat(data["created_at"]),
                             recorded_at=now)
    except (KeyError, TypeError, ValueError) as exc:
        raise PermanentFailure(f"template_created without a usable {exc}") from exc
    if not event.orgid:
        raise PermanentFailure("template_created without orgid")
    uow.template_catalog.upsert(entry)


def list_catalog(org_id: str, limit: int, after: tuple[str, str] | None, uow: UnitOfWork) -> list[CatalogEntry]:
    with uow:
        uow.set_org(org_id)
        return uow.template_catalog.list(org_id, limit, after)
