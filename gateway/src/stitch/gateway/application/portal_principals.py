"""Portal principals, created when the portal invites a contact (``portal.contact_invited.v1``).

Until the portal service publishes the event (issue 9), tests publish it; the contract is in
docs/events/portal.contact_invited.v1.json.
"""

from __future__ import annotations

from typing import Any

from stitch.common.envelope import Envelope
from stitch.common.messaging.errors import PermanentFailure
from stitch.gateway.application.ports import Clock, UnitOfWork
from stitch.gateway.application.tokens import TokenIssuer
from stitch.gateway.domain.identity import InvalidIdentity
from stitch.gateway.domain.portal_principal import PortalPrincipal

CONTACT_INVITED = "portal.contact_invited.v1"


def when_contact_invited(envelope: Envelope, uow: UnitOfWork, clock: Clock) -> None:
    """Runs inside the consumer's inbox transaction (``uow`` is already open)."""
    data = envelope.data
    try:
        org_id, account_id, contact_id = envelope.orgid, data["account_id"], data["contact_id"]
        if not org_id:
            raise KeyError("orgid")
        if uow.organizations.get(org_id) is None:
            raise PermanentFailure(f"{CONTACT_INVITED} for an unknown organization")
        uow.set_org(org_id)
        if uow.portal_principals.by_contact(org_id, contact_id) is not None:
            return  # invited again: the principal exists; the portal resends the link itself
        uow.portal_principals.add(PortalPrincipal.invite(org_id, account_id, contact_id, data["email"],
                                                         data.get("name", ""), clock()))
    except (KeyError, TypeError, InvalidIdentity) as exc:
        raise PermanentFailure(f"{CONTACT_INVITED} is missing or has a bad field: {exc}") from exc


def issue_portal_token(principal_id: str, uow: UnitOfWork, tokens: TokenIssuer) -> dict[str, Any] | None:
    """A token for a contact, bound to their account. The magic-link flow (issue 9) calls this."""
    with uow:
        principal = uow.portal_principals.get(principal_id)
    if principal is None or principal.status != "active":
        return None
    return tokens.for_contact(principal)
