"""Fresh PostgreSQL databases per test run on a shared server, dropped afterwards.

``create(label)`` gives a database owned by the admin (superuser) role. ``create_with_roles(label)``
gives one laid out as in production (DESIGN §4): owned by a per-run *owner* role that migrations
connect as, plus a per-run *app* role for the processes — LOGIN, not a superuser, no BYPASSRLS,
owns nothing — so row-level security is actually enforced on what the tests do. Role names carry
the run id (CI shares one server with earlier runs); ``drop_all`` drops the databases, then the
roles.
"""

from __future__ import annotations

import dataclasses
import secrets

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@dataclasses.dataclass(frozen=True)
class TenantDatabase:
    name: str
    owner_url: str  # migrations: owns the schema (STITCH_MIGRATE_DATABASE_URL)
    app_url: str  # the service's processes (STITCH_DATABASE_URL)
    owner_role: str
    app_role: str


class DatabaseFactory:
    def __init__(self, admin_url: str, run_id: str) -> None:
        self._admin_url = make_url(admin_url)
        self._run_id = run_id
        self._created: list[str] = []
        self._roles_created = False
        # A local server trusts its clients; a testcontainers one checks passwords: have one.
        self._role_password = secrets.token_hex(16)

    @property
    def owner_role(self) -> str:
        return f"stitch_t_{self._run_id}_owner"

    @property
    def app_role(self) -> str:
        return f"stitch_t_{self._run_id}_app"

    def create(self, label: str) -> str:
        name = self._create_database(label)
        return self._url(name)

    def create_with_roles(self, label: str) -> TenantDatabase:
        """A database owned by the run's owner role, which the run's app role may only connect to."""
        self._ensure_roles()
        name = self._create_database(label, owner=self.owner_role)
        self._execute(f'REVOKE ALL ON DATABASE "{name}" FROM PUBLIC')
        self._execute(f'GRANT CONNECT ON DATABASE "{name}" TO "{self.app_role}"')
        # What PostgreSQL 15+ does by default, made explicit for older servers: the schema belongs
        # to the database owner and nobody else may create objects in it.
        self._execute(f'ALTER SCHEMA public OWNER TO "{self.owner_role}"', database=name)
        self._execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC", database=name)
        return TenantDatabase(name=name, owner_url=self._url(name, self.owner_role),
                              app_url=self._url(name, self.app_role), owner_role=self.owner_role,
                              app_role=self.app_role)

    def drop_all(self) -> None:
        for name in reversed(self._created):
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._created.clear()
        if self._roles_created:
            roles = f'"{self.owner_role}", "{self.app_role}"'
            self._execute(f"DROP OWNED BY {roles}")  # privileges they hold in the admin database
            self._execute(f"DROP ROLE IF EXISTS {roles}")
            self._roles_created = False

    def _ensure_roles(self) -> None:
        if self._roles_created:
            return
        attributes = f"LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD '{self._role_password}'"
        self._execute(f'CREATE ROLE "{self.owner_role}" {attributes}')
        self._execute(f'CREATE ROLE "{self.app_role}" {attributes}')
        self._roles_created = True

    def _create_database(self, label: str, owner: str | None = None) -> str:
        name = f"stitch_t_{self._run_id}_{label}_{len(self._created)}"
        self._execute(f'CREATE DATABASE "{name}"' + (f' OWNER "{owner}"' if owner else ""))
        self._created.append(name)
        return name

    def _url(self, database: str, role: str | None = None) -> str:
        url = self._admin_url.set(database=database)
        if role is not None:
            url = url.set(username=role, password=self._role_password)
        return url.render_as_string(hide_password=False)

    def _execute(self, statement: str, database: str | None = None) -> None:
        url = self._admin_url if database is None else self._admin_url.set(database=database)
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(statement))
        finally:
            engine.dispose()
