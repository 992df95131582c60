"""What connectors does when other parts announce something (consumer handlers).

Each runs inside the consumer's transaction with the org set, so its writes and the inbox row
commit together. Read models take only the fields they need; an event that cannot be understood
is a PermanentFailure (dead-lettered, never dropped).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from stitch.common.messaging.errors import understood
from stitch.connectors.application import events
from stitch.connectors.application.common import Deps
from stitch.connectors.application.delivering import when_delivery_requested
from stitch.connectors.application.ports import Organization, StaffUser, UnitOfWork
from stitch.connectors.domain.messages import Branding

Handler = Callable[[Any, UnitOfWork], None]


def handlers(deps: Deps) -> dict[str, Handler]:
    def on(function):
        return lambda event, uow: understood(event, lambda: function(deps, event, str(event.orgid), event.data, uow))

    return {
        events.DELIVERY_REQUESTED: on(when_delivery_requested),
        events.ACCOUNT_CREATED: on(_account("created_at")),
        events.ACCOUNT_UPDATED: on(_account("updated_at")),
        events.ORGANIZATION_CREATED: on(_organization),
        events.ORGANIZATION_UPDATED: on(_organization),
        events.USER_CREATED: on(_staff_user),
        events.USER_UPDATED: on(_staff_user),
        events.USER_DEACTIVATED: on(_staff_user),
        events.BRANDING_CHANGED: on(_branding),
    }


def _account(time_field: str):
    def handle(deps: Deps, event, org_id: str, data: dict, uow: UnitOfWork) -> None:
        uow.account_channels.know(org_id, str(data["account_id"]), str(data["company_name"]),
                                  datetime.fromisoformat(data[time_field]))
    return handle


def _organization(deps: Deps, event, org_id: str, data: dict, uow: UnitOfWork) -> None:
    uow.directory.upsert_org(Organization(str(data["organization_id"]), str(data["name"]), str(data["slug"])))


def _staff_user(deps: Deps, event, org_id: str, data: dict, uow: UnitOfWork) -> None:
    user = StaffUser(user_id=str(data["user_id"]), name=str(data["name"]), email=str(data["email"]),
                     active=data["status"] == "active")
    uow.directory.upsert_user(org_id, user, datetime.fromisoformat(data["updated_at"]))


def _branding(deps: Deps, event, org_id: str, data: dict, uow: UnitOfWork) -> None:
    default = Branding()
    branding = Branding(company_name=str(data.get("company_name") or ""), logo_url=data.get("logo_url") or None,
                        primary_color=str(data.get("primary_color") or default.primary_color),
                        accent_color=str(data.get("accent_color") or default.accent_color),
                        support_email=data.get("support_email") or None)
    uow.directory.upsert_branding(org_id, branding, datetime.fromisoformat(data["changed_at"]))
