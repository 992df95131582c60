"""SQL repositories of the identity store. Every tenant query names its org in the WHERE clause:
these tables are exempt from RLS (see tables.py), so the code is the isolation here."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Table, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stitch.gateway.adapters import tables as t
from stitch.gateway.domain.credentials import ApiKey, RefreshToken
from stitch.gateway.domain.custom_domain import CustomDomain
from stitch.gateway.domain.email_links import EmailLink
from stitch.gateway.domain.identity import Organization, User
from stitch.gateway.domain.invitation import ACCEPTED, PENDING, Invitation
from stitch.gateway.domain.portal_principal import PortalPrincipal

R = TypeVar("R")


class _Records(Generic[R]):
    """Dataclass ⇄ row for one table whose columns are the dataclass's fields."""

    def __init__(self, session: Session, table: Table, record: type[R], key: str = "id") -> None:
        self._session, self._table, self._record, self._key = session, table, record, key

    def add(self, item: R) -> None:
        self._session.execute(insert(self._table).values(dataclasses.asdict(item)))

    def save(self, item: R) -> None:
        values = dataclasses.asdict(item)
        self._session.execute(update(self._table).where(self._table.c[self._key] == values[self._key])
                              .values(values))

    def one(self, *where: Any) -> R | None:
        row = self._session.execute(select(self._table).where(*where)).first()
        return self._record(**row._mapping) if row else None

    def many(self, *where: Any, order_by: Any = None, limit: int | None = None) -> list[R]:
        query = select(self._table).where(*where)
        if order_by is not None:
            query = query.order_by(order_by)
        if limit is not None:
            query = query.limit(limit)
        return [self._record(**row._mapping) for row in self._session.execute(query)]


class SqlOrganizations(_Records[Organization]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, t.organizations, Organization)

    def get(self, org_id: str) -> Organization | None:
        return self.one(t.organizations.c.id == org_id)

    def by_slug(self, slug: str) -> Organization | None:
        return self.one(t.organizations.c.slug == slug)

    def by_email_domain(self, domain: str) -> Organization | None:
        return self.one(t.organizations.c.email_domain == domain)

    def by_custom_domain(self, domain: str) -> Organization | None:
        return self.one(t.organizations.c.id == select(t.custom_domains.c.org_id).where(
            t.custom_domains.c.domain == domain, t.custom_domains.c.verified_at.is_not(None)).scalar_subquery())


class SqlUsers(_Records[User]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, t.users, User)

    def get(self, org_id: str, user_id: str) -> User | None:
        return self.one(t.users.c.org_id == org_id, t.users.c.id == user_id)

    def by_email(self, email: str) -> User | None:
        return self.one(t.users.c.email == email)

    def of_org(self, org_id: str, limit: int | None = None, after: str | None = None) -> list[User]:
        where = [t.users.c.org_id == org_id]
        if after is not None:
            where.append(t.users.c.email > after)  # keyset on email: unique and how admins read the list
        return self.many(*where, order_by=t.users.c.email, limit=limit)

    def touch(self, user_id: str, now: datetime) -> None:
        self._session.execute(update(t.users).where(t.users.c.id == user_id).values(last_active_at=now))


class SqlRefreshTokens(_Records[RefreshToken]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, t.refresh_tokens, RefreshToken)

    def by_hash(self, token_hash: str) -> RefreshToken | None:
        return self.one(t.refresh_tokens.c.token_hash == token_hash)

    def claim(self, token_id: str, now: datetime) -> bool:
        # One UPDATE decides a race between two uses of the same token: only one sees rowcount 1.
        result = self._session.execute(update(t.refresh_tokens).where(
            t.refresh_tokens.c.id == token_id, t.refresh_tokens.c.used_at.is_(None),
            t.refresh_tokens.c.revoked_at.is_(None)).values(used_at=now))
        return result.rowcount == 1

    def revoke_family(self, family_id: str, now: datetime) -> None:
        self._revoke(t.refresh_tokens.c.family_id == family_id, now)

    def revoke_subject(self, subject_id: str, now: datetime) -> None:
        self._revoke(t.refresh_tokens.c.subject_id == subject_id, now)

    def _revoke(self, where: Any, now: datetime) -> None:
        self._session.execute(update(t.refresh_tokens).where(
            and_(where, t.refresh_tokens.c.revoked_at.is_(None))).values(revoked_at=now))


class SqlApiKeys(_Records[ApiKey]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, t.api_keys, ApiKey)

    def by_prefix(self, prefix: str) -> ApiKey | None:
        return self.one(t.api_keys.c.prefix == prefix)

    def of_org(self, org_id: str) -> list[ApiKey]:
        return self.many(t.api_keys.c.org_id == org_id, order_by=t.api_keys.c.created_at)

    def touch(self, key_id: str, now: datetime) -> None:
        self._session.execute(update(t.api_keys).where(t.api_keys.c.id == key_id).values(last_used_at=now))


class SqlPortalPrincipals(_Records[PortalPrincipal]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, t.portal_principals, PortalPrincipal)

    def by_contact(self, org_id: str, contact_id: str) -> PortalPrincipal | None:
        return self.one(t.portal_principals.c.org_id == org_id, t.portal_principals.c.contact_id == contact_id)

    def get(self, principal_id: str) -> PortalPrincipal | None:
        return self.one(t.portal_principals.c.id == principal_id)


class SqlCustomDomains(_Records[CustomDomain]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, t.custom_domains, CustomDomain, key="domain")

    def get(self, domain: str) -> CustomDomain | None:
        return self.one(t.custom_domains.c.domain == domain)

    def of_org(self, org_id: str) -> list[CustomDomain]:
        return self.many(t.custom_domains.c.org_id == org_id, order_by=t.custom_domains.c.domain)

    def remove(self, domain: str) -> None:
        self._session.execute(t.custom_domains.delete().where(t.custom_domains.c.domain == domain))


class SqlEmailLinks(_Records[EmailLink]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, t.email_links, EmailLink)

    def by_hash(self, token_hash: str) -> EmailLink | None:
        return self.one(t.email_links.c.token_hash == token_hash)

    def spend(self, token_hash: str, purpose: str, now: datetime) -> EmailLink | None:
        # One UPDATE decides a race between two clicks: only one sees rowcount 1.
        c = t.email_links.c
        result = self._session.execute(update(t.email_links).where(
            c.token_hash == token_hash, c.purpose == purpose, c.used_at.is_(None), c.expires_at > now,
        ).values(used_at=now))
        return self.by_hash(token_hash) if result.rowcount == 1 else None

    def replace_unused(self, link: EmailLink) -> bool:
        c = t.email_links.c
        try:
            # A savepoint: losing the race to the partial unique index (one unused link per
            # purpose and address) must not end the caller's transaction, nor its answer.
            with self._session.begin_nested():
                self._session.execute(delete(t.email_links).where(
                    c.purpose == link.purpose, c.email == link.email, c.used_at.is_(None)))
                self.add(link)
        except IntegrityError:
            return False
        return True


class SqlInvitations(_Records[Invitation]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, t.invitations, Invitation)

    def get(self, org_id: str, invitation_id: str) -> Invitation | None:
        return self.one(t.invitations.c.org_id == org_id, t.invitations.c.id == invitation_id)

    def by_hash(self, token_hash: str) -> Invitation | None:
        return self.one(t.invitations.c.token_hash == token_hash)

    def pending_for(self, org_id: str, email: str) -> Invitation | None:
        c = t.invitations.c
        return self.one(c.org_id == org_id, c.email == email, c.status == PENDING)

    def open_of_org(self, org_id: str) -> list[Invitation]:
        c = t.invitations.c
        return self.many(c.org_id == org_id, c.status == PENDING, order_by=c.created_at)

    def accept(self, token_hash: str, now: datetime) -> Invitation | None:
        c = t.invitations.c
        result = self._session.execute(update(t.invitations).where(
            c.token_hash == token_hash, c.status == PENDING, c.expires_at > now,
        ).values(status=ACCEPTED, accepted_at=now))
        return self.by_hash(token_hash) if result.rowcount == 1 else None
