"""The events connectors publish and consume, and the payloads it publishes (docs/events)."""

from __future__ import annotations

from typing import Any

from stitch.connectors.domain.connections import Connection
from stitch.connectors.domain.deliveries import Delivery, DeliveryStatus

CONNECTION_CHANGED = "connectors.connection_changed.v1"
DELIVERY_SUCCEEDED = "connectors.delivery_succeeded.v1"
DELIVERY_FAILED = "connectors.delivery_failed.v1"

DELIVERY_REQUESTED = "accounts.delivery_requested.v1"
ACCOUNT_CREATED = "accounts.account_created.v1"
ACCOUNT_UPDATED = "accounts.account_updated.v1"
ORGANIZATION_CREATED = "identity.organization_created.v1"
ORGANIZATION_UPDATED = "identity.organization_updated.v1"
USER_CREATED = "identity.user_created.v1"
USER_UPDATED = "identity.user_updated.v1"
USER_DEACTIVATED = "identity.user_deactivated.v1"
BRANDING_CHANGED = "portal.branding_changed.v1"


def connection_changed(connection: Connection) -> dict[str, Any]:
    """Status and who-it-is only: never a token, never an error text (it can quote a provider)."""
    return {"connection_id": connection.id, "provider": connection.provider, "status": str(connection.status),
            "account_name": connection.account_name[:200], "scopes": sorted(set(connection.scopes)),
            "changed_at": connection.changed_at.isoformat()}


def delivery_answer(delivery: Delivery) -> tuple[str, dict[str, Any]]:
    """The answer to the accounts.delivery_requested.v1 a finished delivery came from."""
    data: dict[str, Any] = {"request_id": delivery.request_id, "account_id": delivery.account_id,
                            "action_id": delivery.action_id, "channel": delivery.channel}
    if delivery.status is DeliveryStatus.DELIVERED:
        data["delivered_at"] = delivery.finished_at.isoformat()
        if delivery.provider_message_id:
            data["provider_message_id"] = delivery.provider_message_id
        return DELIVERY_SUCCEEDED, data
    data["failed_at"] = delivery.finished_at.isoformat()
    data["error"] = delivery.error.as_dict()
    return DELIVERY_FAILED, data
