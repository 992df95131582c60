"""The identity events the gateway publishes, so services keep a read model of staff users.

Payloads carry what a read model needs (name, email, role, status, title, avatar) and never a credential.
"""

from __future__ import annotations

from typing import Any

from stitch.gateway.domain.identity import Organization, User

ORGANIZATION_CREATED = "identity.organization_created.v1"
ORGANIZATION_UPDATED = "identity.organization_updated.v1"
USER_CREATED = "identity.user_created.v1"
USER_UPDATED = "identity.user_updated.v1"
USER_DEACTIVATED = "identity.user_deactivated.v1"


def organization_data(org: Organization) -> dict[str, Any]:
    return {"organization_id": org.id, "name": org.name, "slug": org.slug, "email_domain": org.email_domain,
            "created_at": org.created_at.isoformat()}


def user_data(user: User) -> dict[str, Any]:
    return {"user_id": user.id, "email": user.email, "name": user.name, "role": user.role,
            "status": user.status, "title": user.title, "avatar_url": user.avatar_url,
            "updated_at": user.updated_at.isoformat()}
