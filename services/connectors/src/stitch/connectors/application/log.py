"""The delivery log: what was sent, to whom, when, and what came of it (for the history and support)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from stitch.connectors.application.common import Deps
from stitch.connectors.domain.deliveries import Delivery
from stitch.connectors.domain.errors import NotFound

FILTERS = ("channel", "status", "kind", "account_id", "action_id")  # what the log can be narrowed by


def page(deps: Deps, org_id: str, filters: dict[str, Any], limit: int,
         after: tuple[datetime, str] | None) -> list[Delivery]:
    """Newest first; ``limit + 1`` rows are asked for so the caller knows whether more follow."""
    with deps.uow() as uow:
        uow.set_org(org_id)
        return uow.deliveries.page(org_id, filters, limit, after)


def one(deps: Deps, org_id: str, delivery_id: str) -> Delivery:
    with deps.uow() as uow:
        uow.set_org(org_id)
        delivery = uow.deliveries.get(org_id, delivery_id)
    if delivery is None:
        raise NotFound("no such delivery")
    return delivery


def account_channels(deps: Deps, org_id: str) -> dict[str, str]:
    with deps.uow() as uow:
        uow.set_org(org_id)
        return uow.account_channels.all(org_id)


def set_account_channel(deps: Deps, org_id: str, user_id: str, account_id: str, channel: str) -> None:
    with deps.uow() as uow:
        uow.set_org(org_id)
        if not uow.account_channels.known(org_id, account_id):
            raise NotFound("no such account")
        uow.account_channels.set(org_id, account_id, channel, user_id, deps.clock())
        uow.commit()


def clear_account_channel(deps: Deps, org_id: str, account_id: str) -> None:
    with deps.uow() as uow:
        uow.set_org(org_id)
        if not uow.account_channels.delete(org_id, account_id):
            raise NotFound("no channel is set for this account")
        uow.commit()
