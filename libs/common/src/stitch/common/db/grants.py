"""What the runtime role may do in a service's database (DESIGN §4), granted at every migrate.

Migrations run as the role that owns the schema; the processes connect as another role that owns
nothing, is not a superuser and cannot bypass row-level security. After upgrading, ``migrate``
gives that role exactly what it needs, and nothing it held before survives (revoke, then grant):

- ``USAGE`` on the schema (never ``CREATE``);
- ``SELECT, INSERT, UPDATE, DELETE`` on every table and view, but ``SELECT`` only on
  ``alembic_version`` — never ``TRUNCATE`` (it ignores row-level security), ``REFERENCES`` or
  ``TRIGGER``;
- ``USAGE, SELECT`` on every sequence.

Everything runs in one transaction, so running it again changes nothing.
"""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from stitch.common.db.engine import make_engine

VERSION_TABLE = "alembic_version"


def runtime_role(owner_url: str, runtime_url: str) -> str | None:
    """The role to grant to: the runtime URL's user when it differs from the owner's (PostgreSQL only)."""
    owner, runtime = make_url(owner_url), make_url(runtime_url)
    if owner.get_backend_name() != "postgresql" or runtime.get_backend_name() != "postgresql":
        return None
    if not runtime.username or runtime.username == owner.username:
        return None
    return runtime.username


def grant_runtime_role(owner_url: str, runtime_url: str, schema: str = "public") -> str | None:
    """Connect as the owner and grant the runtime role its privileges; returns the role, if any."""
    role = runtime_role(owner_url, runtime_url)
    if role is None:
        return None
    engine = make_engine(owner_url, pool_size=1)
    try:
        with engine.begin() as connection:
            grant_runtime_privileges(connection, role, schema)
    finally:
        engine.dispose()
    return role


def grant_runtime_privileges(connection: Connection, role: str, schema: str = "public") -> None:
    quote = connection.dialect.identifier_preparer.quote
    grantee, namespace = quote(role), quote(schema)
    statements = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {namespace} FROM {grantee}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {namespace} FROM {grantee}",
        f"REVOKE CREATE ON SCHEMA {namespace} FROM {grantee}",
        f"GRANT USAGE ON SCHEMA {namespace} TO {grantee}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {namespace} TO {grantee}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {namespace} TO {grantee}",
    ]
    version_table = connection.execute(text("SELECT to_regclass(:name)"),
                                       {"name": f"{namespace}.{quote(VERSION_TABLE)}"}).scalar()
    if version_table is not None:
        statements.append(f"REVOKE INSERT, UPDATE, DELETE ON {namespace}.{quote(VERSION_TABLE)} FROM {grantee}")
    for statement in statements:
        connection.execute(text(statement))
