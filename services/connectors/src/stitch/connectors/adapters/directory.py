"""Read models of other parts (organizations and staff from the gateway, branding from the portal)
and the Slack channel chosen per account. Events may arrive out of order, so an upsert older
than what is stored is ignored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from stitch.common.db.dialects import dialect_insert
from stitch.connectors.adapters.tables import account_channels, brandings, known_accounts, organizations, staff_users
from stitch.connectors.application.ports import Organization, StaffUser
from stitch.connectors.domain.messages import Branding

_BRANDING = ("company_name", "logo_url", "primary_color", "accent_color", "support_email")


class SqlDirectory:
    def __init__(self, session: Session) -> None:
        self._session = session

    def upsert_org(self, organization: Organization) -> None:
        statement = dialect_insert(self._session)(organizations).values(
            org_id=organization.org_id, name=organization.name, slug=organization.slug)
        self._session.execute(statement.on_conflict_do_update(
            index_elements=["org_id"], set_={"name": statement.excluded.name, "slug": statement.excluded.slug}))

    def org(self, org_id: str) -> Organization | None:
        row = self._session.execute(select(organizations).where(organizations.c.org_id == org_id)).first()
        return Organization(**row._asdict()) if row else None

    def upsert_user(self, org_id: str, user: StaffUser, updated_at: datetime) -> None:
        statement = dialect_insert(self._session)(staff_users).values(
            org_id=org_id, user_id=user.user_id, name=user.name, email=user.email, active=user.active,
            updated_at=updated_at)
        self._session.execute(statement.on_conflict_do_update(
            index_elements=["org_id", "user_id"],
            set_={name: statement.excluded[name] for name in ("name", "email", "active", "updated_at")},
            where=staff_users.c.updated_at <= statement.excluded.updated_at))

    def user(self, org_id: str, user_id: str) -> StaffUser | None:
        row = self._session.execute(select(staff_users).where(staff_users.c.org_id == org_id,
                                                              staff_users.c.user_id == user_id)).first()
        return StaffUser(user_id=row.user_id, name=row.name, email=row.email, active=row.active) if row else None

    def is_staff_email(self, org_id: str, email: str) -> bool:
        found = self._session.execute(select(staff_users.c.user_id).where(
            staff_users.c.org_id == org_id, staff_users.c.active.is_(True),
            func.lower(staff_users.c.email) == email.strip().lower()).limit(1)).first()
        return found is not None

    def upsert_branding(self, org_id: str, branding: Branding, changed_at: datetime) -> None:
        statement = dialect_insert(self._session)(brandings).values(
            org_id=org_id, changed_at=changed_at, **{name: getattr(branding, name) for name in _BRANDING})
        self._session.execute(statement.on_conflict_do_update(
            index_elements=["org_id"],
            set_={name: statement.excluded[name] for name in (*_BRANDING, "changed_at")},
            where=brandings.c.changed_at <= statement.excluded.changed_at))

    def branding(self, org_id: str) -> Branding | None:
        row = self._session.execute(select(brandings).where(brandings.c.org_id == org_id)).first()
        return Branding(**{name: getattr(row, name) for name in _BRANDING}) if row else None


class SqlAccountChannels:
    def __init__(self, session: Session) -> None:
        self._session = session

    def know(self, org_id: str, account_id: str, company_name: str, at: datetime) -> None:
        statement = dialect_insert(self._session)(known_accounts).values(
            org_id=org_id, account_id=account_id, company_name=company_name[:200], updated_at=at)
        self._session.execute(statement.on_conflict_do_update(
            index_elements=["org_id", "account_id"],
            set_={"company_name": statement.excluded.company_name, "updated_at": statement.excluded.updated_at},
            where=known_accounts.c.updated_at <= statement.excluded.updated_at))

    def known(self, org_id: str, account_id: str) -> bool:
        return self._session.execute(select(known_accounts.c.account_id).where(
            known_accounts.c.org_id == org_id, known_accounts.c.account_id == account_id)).first() is not None

    def get(self, org_id: str, account_id: str) -> str | None:
        return self._session.execute(select(account_channels.c.channel).where(
            account_channels.c.org_id == org_id, account_channels.c.account_id == account_id)).scalar()

    def set(self, org_id: str, account_id: str, channel: str, by: str, at: datetime) -> None:
        statement = dialect_insert(self._session)(account_channels).values(
            org_id=org_id, account_id=account_id, channel=channel, set_by=by, updated_at=at)
        self._session.execute(statement.on_conflict_do_update(
            index_elements=["org_id", "account_id"],
            set_={name: statement.excluded[name] for name in ("channel", "set_by", "updated_at")}))

    def delete(self, org_id: str, account_id: str) -> bool:
        return self._session.execute(delete(account_channels).where(
            account_channels.c.org_id == org_id, account_channels.c.account_id == account_id)).rowcount > 0

    def all(self, org_id: str) -> dict[str, str]:
        rows = self._session.execute(select(account_channels.c.account_id, account_channels.c.channel)
                                     .where(account_channels.c.org_id == org_id))
        return {account_id: channel for account_id, channel in rows}
