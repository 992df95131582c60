"""Read models fed by other parts' events (staff, organizations, connections) and the org's engine
settings. Events may arrive out of order, so an upsert older than what is stored is ignored.
Every query filters by org as well as RLS does."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from stitch.accounts.adapters.tables import connections, engine_settings, handled_requests, organizations, staff_users
from stitch.accounts.application.ports import EngineSettings, Organization, StaffUser
from stitch.common.db.dialects import dialect_insert


class SqlStaffDirectory:
    def __init__(self, session: Session) -> None:
        self._session = session

    def upsert(self, org_id: str, user: StaffUser, updated_at: datetime) -> None:
        statement = dialect_insert(self._session)(staff_users).values(
            org_id=org_id, user_id=user.user_id, name=user.name, email=user.email, role=user.role,
            active=user.active, updated_at=updated_at)
        self._session.execute(statement.on_conflict_do_update(
            index_elements=["org_id", "user_id"],
            set_={column: statement.excluded[column] for column in ("name", "email", "role", "active", "updated_at")},
            where=staff_users.c.updated_at <= statement.excluded.updated_at))

    def get(self, org_id: str, user_id: str) -> StaffUser | None:
        return self._one(staff_users.c.user_id == user_id, org_id)

    def by_email(self, org_id: str, email: str) -> StaffUser | None:
        return self._one(func.lower(staff_users.c.email) == email.strip().lower(), org_id)

    def _one(self, condition, org_id: str) -> StaffUser | None:
        row = self._session.execute(select(staff_users).where(staff_users.c.org_id == org_id, condition)
                                    .order_by(staff_users.c.user_id).limit(1)).first()
        return StaffUser(user_id=row.user_id, name=row.name, email=row.email, role=row.role,
                         active=row.active) if row else None


class SqlOrganizations:
    def __init__(self, session: Session) -> None:
        self._session = session

    def upsert(self, organization: Organization) -> None:
        statement = dialect_insert(self._session)(organizations).values(
            org_id=organization.org_id, name=organization.name, slug=organization.slug)
        self._session.execute(statement.on_conflict_do_update(
            index_elements=["org_id"], set_={"name": statement.excluded.name, "slug": statement.excluded.slug}))

    def get(self, org_id: str) -> Organization | None:
        row = self._session.execute(select(organizations).where(organizations.c.org_id == org_id)).first()
        return Organization(**row._asdict()) if row else None


class SqlConnections:
    def __init__(self, session: Session) -> None:
        self._session = session

    def upsert(self, org_id: str, provider: str, status: str, changed_at: datetime) -> None:
        statement = dialect_insert(self._session)(connections).values(
            org_id=org_id, provider=provider, status=status, changed_at=changed_at)
        self._session.execute(statement.on_conflict_do_update(
            index_elements=["org_id", "provider"],
            set_={"status": statement.excluded.status, "changed_at": statement.excluded.changed_at},
            where=connections.c.changed_at <= statement.excluded.changed_at))

    def statuses(self, org_id: str) -> dict[str, str]:
        rows = self._session.execute(select(connections.c.provider, connections.c.status)
                                     .where(connections.c.org_id == org_id))
        return {provider: status for provider, status in rows}


class SqlSettingsStore:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, org_id: str) -> EngineSettings:
        row = self._session.execute(select(engine_settings).where(engine_settings.c.org_id == org_id)).first()
        if row is None:
            return EngineSettings()
        return EngineSettings(review_portal_tasks=row.review_portal_tasks, auto_send=frozenset(row.auto_send),
                              version=row.version, updated_at=row.updated_at, updated_by=row.updated_by)

    def save(self, org_id: str, settings: EngineSettings) -> bool:
        """Stored as version ``settings.version + 1``, only if the stored one is still ``settings.version``."""
        values = {"review_portal_tasks": settings.review_portal_tasks, "auto_send": sorted(settings.auto_send),
                  "version": settings.version + 1, "updated_at": settings.updated_at,
                  "updated_by": settings.updated_by}
        if settings.version == 0:  # never saved: the first writer wins, a racing second one is told so
            statement = dialect_insert(self._session)(engine_settings).values(org_id=org_id, **values)
            saved = self._session.execute(statement.on_conflict_do_nothing(index_elements=["org_id"])
                                          .returning(engine_settings.c.org_id)).first()
            return saved is not None
        done = self._session.execute(update(engine_settings).where(
            engine_settings.c.org_id == org_id, engine_settings.c.version == settings.version).values(**values))
        return done.rowcount == 1


class SqlHandledRequests:
    """The workflows commands already acted on (and answered), by request_id."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def seen(self, org_id: str, request_id: str) -> bool:
        return self._session.execute(select(handled_requests.c.request_id).where(
            handled_requests.c.org_id == org_id, handled_requests.c.request_id == request_id)).first() is not None

    def record(self, org_id: str, request_id: str, command: str, outcome: str, account_id: str | None,
               at: datetime) -> None:
        self._session.execute(handled_requests.insert().values(
            org_id=org_id, request_id=request_id, command=command, outcome=outcome, account_id=account_id,
            handled_at=at))
