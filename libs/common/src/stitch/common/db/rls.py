"""Row-level security for tenant tables, used from Alembic migrations (PostgreSQL only).

One policy per command, so a reader (and the catalog check in the integration tests) sees what
each one allows: SELECT and DELETE filter existing rows (``USING``), INSERT checks new rows
(``WITH CHECK``), UPDATE does both, so a row can neither be reached in nor moved to another org.
``app.org_id`` is set per transaction by the unit of work; unset or reset, ``NULLIF`` turns it
into NULL and the policy matches no row (fail closed).
"""

from __future__ import annotations

from alembic import op

ORG_SETTING = "NULLIF(current_setting('app.org_id', true), '')"
ORG_MATCH = f"org_id::text = {ORG_SETTING}"
LEGACY_POLICY = "tenant_isolation"  # the single ALL policy of the first revisions

# policy name → (command, USING, WITH CHECK)
POLICIES: dict[str, tuple[str, str | None, str | None]] = {
    "tenant_select": ("SELECT", ORG_MATCH, None),
    "tenant_insert": ("INSERT", None, ORG_MATCH),
    "tenant_update": ("UPDATE", ORG_MATCH, ORG_MATCH),
    "tenant_delete": ("DELETE", ORG_MATCH, None),
}


def enable_tenant_rls(table: str) -> None:
    """Enable and force RLS on ``table`` so rows are visible and writable only for app.org_id.

    Idempotent: every policy is dropped if it exists and created again, and the legacy
    ``tenant_isolation`` policy is dropped, so a later revision can re-apply this to upgrade.
    """
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite (embedded mode) relies on repositories filtering by org
    for statement in tenant_rls_statements(table):
        op.execute(statement)


def tenant_rls_statements(table: str) -> list[str]:
    statements = [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS {LEGACY_POLICY} ON "{table}"',
    ]
    for name, (command, using, check) in POLICIES.items():
        statements.append(f'DROP POLICY IF EXISTS {name} ON "{table}"')
        statements.append(
            f'CREATE POLICY {name} ON "{table}" AS PERMISSIVE FOR {command} TO PUBLIC'
            + (f" USING ({using})" if using else "")
            + (f" WITH CHECK ({check})" if check else "")
        )
    return statements
