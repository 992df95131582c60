from __future__ import annotations

from typing import Self

from stitch.common.db.uow import SqlUnitOfWork
from stitch.gateway.adapters import repositories as r


class GatewayUnitOfWork(SqlUnitOfWork):
    event_namespace = "identity"  # DESIGN §1: the gateway publishes identity.* events

    def __enter__(self) -> Self:
        super().__enter__()
        self.organizations = r.SqlOrganizations(self.session)
        self.users = r.SqlUsers(self.session)
        self.refresh_tokens = r.SqlRefreshTokens(self.session)
        self.api_keys = r.SqlApiKeys(self.session)
        self.portal_principals = r.SqlPortalPrincipals(self.session)
        self.custom_domains = r.SqlCustomDomains(self.session)
        self.email_links = r.SqlEmailLinks(self.session)
        self.invitations = r.SqlInvitations(self.session)
        return self
